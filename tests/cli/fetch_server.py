#!/usr/bin/env python3
"""A static HTTP/1.1 file server for the fetch tests and benchmark, with
faults injected on demand.

    fetch_server.py --root DIR --port-file FILE [--log FILE]
                    [--fault SUBSTR=FAULT,FAULT,...]...

Listens on 127.0.0.1 at a port the OS picks and writes it to --port-file
once it accepts connections.  GET serves DIR/<path> (Range "bytes=S-" and
"bytes=S-E" answered with 206, or 416 past the end).  Each request whose
path contains SUBSTR takes the next fault of its list; when the list is
used up the file is served normally.  Faults:

    drop       headers and half the body, then a connection reset (RST)
    short      headers (full Content-Length) and half the body, then a
               clean close: a body shorter than its Content-Length
    stall[:S]  headers and half the body, then nothing for S seconds
               (default 5), then a close
    503[:S]    503 Service Unavailable with Retry-After: S (default 1)
    500        500 Internal Server Error (no Retry-After)
    404        404 Not Found
    corrupt    the whole answer with 16 bytes in the middle flipped
               (a corrupt gzip member, right length)
    ok         served normally (to place faults later in the list)

and one that is not used up: norange (Range headers are ignored, every
answer is 200 with the whole file).  --log gets one line per request:
"path range status fault".
"""
import argparse
import http.server
import os
import socket
import struct
import sys
import threading
import time

faults = {}    # substr -> list of faults still to use
norange = set()
lock = threading.Lock()
log = None


def take_fault(path):
    with lock:
        for sub, lst in faults.items():
            if sub in path and lst:
                return lst.pop(0)
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def note(self, rng, status, fault):
        if log:
            with lock:
                log.write('%s %s %s %s\n' % (self.path, rng or '-', status, fault or '-'))
                log.flush()

    def send_simple(self, code, extra=()):
        body = b'%d\n' % code
        self.send_response(code)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split('?', 1)[0]
        rng = self.headers.get('Range')
        fault = take_fault(path)
        name, _, arg = (fault or '').partition(':')
        rel = os.path.normpath(path.lstrip('/'))
        full = os.path.join(self.server.root, rel)
        if rel.startswith('..') or not os.path.isfile(full) or name == '404':
            self.note(rng, 404, fault)
            return self.send_simple(404)
        if name == '503':
            self.note(rng, 503, fault)
            return self.send_simple(503, [('Retry-After', arg or '1')])
        if name == '500':
            self.note(rng, 500, fault)
            return self.send_simple(500)
        with open(full, 'rb') as f:
            data = f.read()
        size = len(data)
        start, end = 0, size - 1
        status = 200
        if rng and not any(s in path for s in norange) and rng.startswith('bytes='):
            a, _, b = rng[6:].partition('-')
            start = int(a)
            end = int(b) if b else size - 1
            if start >= size:
                self.note(rng, 416, fault)
                return self.send_simple(416, [('Content-Range', 'bytes */%d' % size)])
            end = min(end, size - 1)
            status = 206
        body = data[start:end + 1]
        if name == 'corrupt' and len(body) > 64:
            mid = len(body) // 2
            body = body[:mid] + bytes(c ^ 0xff for c in body[mid:mid + 16]) + body[mid + 16:]
        self.note(rng, status, fault)
        self.send_response(status)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Accept-Ranges', 'none' if any(s in path for s in norange) else 'bytes')
        if status == 206:
            self.send_header('Content-Range', 'bytes %d-%d/%d' % (start, end, size))
        self.end_headers()
        if name in ('drop', 'short', 'stall'):
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            if name == 'stall':
                time.sleep(float(arg or 5))
            if name == 'drop':
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                self.connection.close()
            else:
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.close_connection = True
            return
        view = memoryview(body)
        for i in range(0, len(view), 1 << 18):
            self.wfile.write(view[i:i + (1 << 18)])


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        pass  # resets and clients that gave up are the point of this server


def main():
    global log
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', required=True)
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--log')
    ap.add_argument('--fault', action='append', default=[])
    a = ap.parse_args()
    for spec in a.fault:
        sub, _, lst = spec.partition('=')
        items = [x for x in lst.split(',') if x]
        if 'norange' in items:
            norange.add(sub)
            items = [x for x in items if x != 'norange']
        faults.setdefault(sub, []).extend(items)
    if a.log:
        log = open(a.log, 'a')
    srv = Server(('127.0.0.1', 0), Handler)
    srv.root = os.path.abspath(a.root)
    tmp = a.port_file + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d\n' % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    sys.exit(main())
