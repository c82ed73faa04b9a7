WARC/1.0
WARC-Type: warcinfo
WARC-Date: 2014-09-09T10:14:59Z
WARC-Filename: CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.gz
WARC-Record-ID: <urn:uuid:e801b755-b208-4424-8233-b76f468155c6>
Content-Type: application/warc-fields
Content-Length: 108

Software-Info: ia-web-commons.1.0-SNAPSHOT-20140819100050
Extracted-Date: Tue, 09 Sep 2014 10:14:59 GMT



WARC/1.0
WARC-Type: metadata
WARC-Target-URI: CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.gz
WARC-Date: 2014-09-05T15:18:43Z
WARC-Record-ID: <urn:uuid:ae23f03c-932b-4767-8a47-199f1284a282>
WARC-Refers-To: <urn:uuid:cf083d66-9910-45e2-b5be-a421f9889aac>
Content-Type: application/json
Content-Length: 1178

{"Envelope":{"Format":"WARC","WARC-Header-Length":"273","Block-Digest":"sha1:P6VMFZQH6KPMHAYZ3VCWJYNYJLQETZS6","Actual-Content-Length":"371","WARC-Header-Metadata":{"WARC-Type":"warcinfo","WARC-Filename":"CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.gz","WARC-Date":"2014-09-05T15:18:43Z","Content-Length":"371","WARC-Record-ID":"<urn:uuid:cf083d66-9910-45e2-b5be-a421f9889aac>","Content-Type":"application/warc-fields"},"Payload-Metadata":{"Trailing-Slop-Length":"0","Actual-Content-Type":"application/warc-fields","Actual-Content-Length":"371","Headers-Corrupt":true,"WARC-Info-Metadata":{"robots":"classic","software":"Nutch 1.6 (CC)/CC WarcExport 1.0","description":"Wide crawl of the web with URLs provided by Blekko for August 2014","hostname":"ip-10-180-136-8.ec2.internal","format":"WARC File Format 1.0","isPartOf":"CC-MAIN-2014-35","operator":"CommonCrawl Admin","publisher":"CommonCrawl"}}},"Container":{"Compressed":true,"Gzip-Metadata":{"Footer-Length":"8","Deflate-Length":"454","Header-Length":"10","Inflated-CRC":"-759485782","Inflated-Length":"648"},"Offset":"0","Filename":"CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.gz"}}

