"$SLUICE" warc tests/data/demo/cc-whirlwind-CC-MAIN-2024-22.warc.wet.gz tests/data/demo/npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet.gz
