#!/usr/bin/env python3
"""Fast bookkeeping on the benchmark's S3 bucket, between measurements (never timed).

    s3util.py size PREFIX     total bytes of the objects under PREFIX/ ("" = whole bucket)
    s3util.py clean PREFIX    delete every object under PREFIX/, and abort unfinished uploads
    s3util.py put DIR PREFIX  upload every file under DIR to PREFIX/<its path below DIR>

The awscli takes about a second to start for each call; this does the same with the standard
library (SigV4, path-style, ListObjectsV2, DeleteObjects) in a few milliseconds. Reads
AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, PGEXPORT_TEST_BUCKET.
"""
import base64
import datetime
import hashlib
import hmac
import os
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def request(method, bucket, query, body=b"", headers=None, key=None):
    endpoint = urllib.parse.urlsplit(os.environ["AWS_ENDPOINT_URL"])
    region = os.environ.get("AWS_REGION", "us-east-1")
    access, secret = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    path = "/" + urllib.parse.quote(bucket) + ("/" + urllib.parse.quote(key) if key else "")
    canonical_query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
        for k, v in sorted(query.items()))
    payload_hash = hashlib.sha256(body).hexdigest()
    hdrs = {"host": endpoint.netloc, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
    hdrs.update({k.lower(): v for k, v in (headers or {}).items()})
    signed = ";".join(sorted(hdrs))
    canonical = "\n".join([method, path, canonical_query,
                           "".join(f"{k}:{hdrs[k].strip()}\n" for k in sorted(hdrs)),
                           signed, payload_hash])
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (day, region, "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    hdrs["authorization"] = (f"AWS4-HMAC-SHA256 Credential={access}/{scope}, "
                             f"SignedHeaders={signed}, Signature={signature}")
    url = f"{endpoint.scheme}://{endpoint.netloc}{path}" + (f"?{canonical_query}" if canonical_query else "")
    req = urllib.request.Request(url, data=body if method in ("POST", "PUT") else None,
                                 method=method, headers={k: v for k, v in hdrs.items() if k != "host"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.read()


def list_objects(bucket, prefix):
    token = None
    while True:
        q = {"list-type": "2", "prefix": prefix}
        if token:
            q["continuation-token"] = token
        root = ET.fromstring(request("GET", bucket, q))
        for c in root.iter(NS + "Contents"):
            yield c.find(NS + "Key").text, int(c.find(NS + "Size").text)
        if root.findtext(NS + "IsTruncated") != "true":
            return
        token = root.findtext(NS + "NextContinuationToken")


def put_tree(bucket, directory, prefix):
    count = 0
    for root, _, files in os.walk(directory):
        for name in sorted(files):
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                body = f.read()
            key = prefix + os.path.relpath(path, directory).replace(os.sep, "/")
            request("PUT", bucket, {}, body, key=key)
            count += 1
    return count


def main(argv):
    bucket = os.environ.get("PGEXPORT_TEST_BUCKET", "")
    if len(argv) == 4 and argv[1] == "put":
        print(put_tree(bucket, argv[2], argv[3].strip("/") + "/"))
        return
    if len(argv) != 3 or argv[1] not in ("size", "clean"):
        sys.exit(__doc__)
    prefix = argv[2].strip("/") + "/" if argv[2].strip("/") else ""
    objects = list(list_objects(bucket, prefix))
    if argv[1] == "size":
        print(sum(size for _, size in objects))
        return
    for i in range(0, len(objects), 1000):
        body = ("<Delete><Quiet>true</Quiet>" + "".join(
            "<Object><Key>" + k.replace("&", "&amp;").replace("<", "&lt;") + "</Key></Object>"
            for k, _ in objects[i:i + 1000]) + "</Delete>").encode()
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        request("POST", bucket, {"delete": ""}, body, {"Content-MD5": md5})
    # Multipart uploads a failed run left behind hold memory too.
    root = ET.fromstring(request("GET", bucket, {"uploads": "", "prefix": prefix}))
    for u in root.iter(NS + "Upload"):
        request("DELETE", bucket, {"uploadId": u.findtext(NS + "UploadId")}, key=u.findtext(NS + "Key"))
    print(len(objects))


if __name__ == "__main__":
    main(sys.argv)
