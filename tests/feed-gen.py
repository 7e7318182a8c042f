#!/usr/bin/python3
"""feed-gen - synthetic Shadowserver reports for tests and benchmarks.

feed-gen.py [--type TYPE] [--rows N] [--seed S] [--date YYYY-MM-DD]
            [--dups K] [--invalid K] [--first N] [--zip] [--mail]
            [--out DIR]

Writes DIR/<date>-<type>-meldpunt-asn.csv (with --zip: .csv.zip, with
--mail: also a .eml carrying it as Shadowserver attaches it) and prints
the path of the last file. The columns are those Shadowserver publishes
for the type (github.com/The-Shadowserver-Foundation/report_schema);
values are deterministic for a seed. Addresses are unique per row and
come from 10.0.0.0/8 (IPv4) or 2001:db8::/32 (event6_*). --dups K
repeats K earlier rows byte for byte; --invalid K puts K rows with a
bad address ("10.0.0.300"), so every kind of row state is there.
--first N starts at the N-th address, so that two reports of one type
can be about different hosts.
Standard library only.
"""

import argparse
import base64
import io
import os
import random
import sys
import zipfile

COLUMNS = {
    "scan_ntp": ["timestamp", "severity", "ip", "protocol", "port", "hostname",
                 "tag", "asn", "geo", "region", "city", "naics", "sector",
                 "version", "clk_wander", "clock", "error", "frequency",
                 "jitter", "leap", "mintc", "noise", "offset", "peer",
                 "phase", "poll", "precision", "processor", "refid",
                 "reftime", "rootdelay", "rootdispersion", "stability",
                 "state", "stratum", "system", "tai", "tc"],
    "scan_http_vulnerable": ["timestamp", "severity", "ip", "protocol", "port",
                             "hostname", "tag", "asn", "geo", "region", "city",
                             "naics", "sector", "http", "http_code",
                             "http_reason", "content_type", "server",
                             "version", "product", "http_url"],
    "event4_sinkhole_http": ["timestamp", "severity", "src_ip", "src_port",
                             "src_asn", "src_geo", "src_region", "src_city",
                             "src_hostname", "src_naics", "src_sector",
                             "device_vendor", "device_type", "device_model",
                             "dst_ip", "dst_port", "dst_asn", "dst_geo",
                             "protocol", "http_url", "http_host",
                             "http_agent", "forwarded_by", "ssl_cipher",
                             "http_referer", "infection", "family", "tag",
                             "public_source"],
    "event6_sinkhole": ["timestamp", "severity", "src_ip", "src_port",
                        "src_asn", "src_geo", "src_region", "src_city",
                        "src_hostname", "dst_ip", "dst_port", "dst_asn",
                        "protocol", "infection", "family", "tag",
                        "public_source"],
}

CITIES = [("NL", "NOORD-HOLLAND", "AMSTERDAM"), ("NL", "UTRECHT", "UTRECHT"),
          ("NL", "ZUID-HOLLAND", "ROTTERDAM"), ("BE", "BRUSSELS", "BRUSSELS")]
FAMILIES = ["mirai", "andromeda", "qsnatch", "avalanche-andromeda", "necurs"]


def address(i, v6):
    if v6:
        return "2001:db8:%x:%x::%x" % (i >> 16, (i >> 8) & 0xff, (i & 0xff) + 1)
    i += 1
    return "10.%d.%d.%d" % ((i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff)


def row(kind, i, rnd, date):
    cc, region, city = CITIES[i % len(CITIES)]
    asn = str(64496 + (i % 16))
    ts = "%s %02d:%02d:%02d" % (date, (i // 3600) % 24, (i // 60) % 60, i % 60)
    v6 = kind.startswith("event6")
    ip = address(i, v6)
    host = "host-%d.example.nl" % i if i % 3 else ""
    if kind == "scan_ntp":
        vals = {"timestamp": ts, "severity": "medium", "ip": ip,
                "protocol": "udp", "port": "123", "hostname": host,
                "tag": "ntpversion", "asn": asn, "geo": cc, "region": region,
                "city": city, "naics": "517311", "sector": "Communications",
                "version": "4", "clock": "0x%08X.%08X" % (rnd.getrandbits(32),
                                                         rnd.getrandbits(32)),
                "frequency": "%.3f" % rnd.uniform(-50, 50),
                "jitter": "%.3f" % rnd.uniform(0, 5), "leap": "0",
                "offset": "%.3f" % rnd.uniform(-30, 30), "poll": "10",
                "precision": "-%d" % rnd.randint(10, 25),
                "processor": "x86_64", "refid": "192.0.2.%d" % (i % 250 + 1),
                "rootdelay": "%.3f" % rnd.uniform(0, 100),
                "stratum": str(rnd.randint(1, 5)), "system": "Linux"}
    elif kind == "scan_http_vulnerable":
        vals = {"timestamp": ts, "severity": "critical", "ip": ip,
                "protocol": "tcp", "port": "443", "hostname": host,
                "tag": "citrix;cve-2023-4966;netscaler", "asn": asn,
                "geo": cc, "region": region, "city": city, "naics": "0",
                "http": "HTTP/1.1", "http_code": "200", "http_reason": "OK",
                "content_type": "text/html", "server": "Apache",
                "version": "13.1-48.47", "product": "NetScaler Gateway",
                "http_url": "/vpn/index.html"}
    else:
        fam = FAMILIES[i % len(FAMILIES)]
        vals = {"timestamp": ts, "severity": "critical", "src_ip": ip,
                "src_port": str(1024 + i % 60000), "src_asn": asn,
                "src_geo": cc, "src_region": region, "src_city": city,
                "src_hostname": host, "dst_ip": "198.51.100.%d" % (i % 250 + 1),
                "dst_port": "80", "dst_asn": "64511", "dst_geo": "US",
                "protocol": "tcp", "http_url": "/gate.php?id=%d" % i,
                "http_host": "c2-%d.example.com" % (i % 7),
                "http_agent": "Mozilla/5.0 (compatible; bot)",
                "infection": fam, "family": fam, "tag": fam,
                "public_source": "Shadowserver"}
    return vals


def csv_line(cols, vals):
    out = []
    for c in cols:
        v = vals.get(c, "")
        if any(ch in v for ch in ",\"\r\n"):
            v = '"' + v.replace('"', '""') + '"'
        elif v and not v.lstrip("-").replace(".", "").isdigit():
            v = '"' + v + '"'
        out.append(v)
    return ",".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--type", default="scan_ntp", choices=sorted(COLUMNS))
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--date", default="2024-01-02")
    ap.add_argument("--dups", type=int, default=0)
    ap.add_argument("--invalid", type=int, default=0)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--zip", action="store_true")
    ap.add_argument("--mail", action="store_true")
    ap.add_argument("--out", default=".")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    cols = COLUMNS[a.type]
    buf = io.StringIO()
    buf.write(",".join('"%s"' % c for c in cols) + "\n")
    lines = []
    for i in range(a.rows):
        vals = row(a.type, a.first + i, rnd, a.date)
        if i < a.invalid:
            vals["ip" if "ip" in vals else "src_ip"] = "10.0.0.300"
        line = csv_line(cols, vals)
        lines.append(line)
        buf.write(line)
    for k in range(min(a.dups, len(lines))):
        buf.write(lines[(k * 7919) % len(lines)])
    data = buf.getvalue().encode()
    os.makedirs(a.out, exist_ok=True)
    name = "%s-%s-meldpunt-asn.csv" % (a.date, a.type)
    path = os.path.join(a.out, name)
    if a.zip:
        zb = io.BytesIO()
        with zipfile.ZipFile(zb, "w", zipfile.ZIP_DEFLATED) as z:
            zi = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
        data = zb.getvalue()
        name += ".zip"
        path += ".zip"
    with open(path, "wb") as f:
        f.write(data)
    if a.mail:
        b64 = base64.encodebytes(data).decode()
        eml = ("From: Shadowserver <autoreports@shadowserver.org>\n"
               "To: abuse@meldpunt.test\n"
               "Subject: [meldpunt] Shadowserver %s Report: %s\n"
               "Message-ID: <%s-%d-%d@reports.shadowserver.example>\n"
               "Date: Tue, 02 Jan 2024 06:00:00 +0000\n"
               "MIME-Version: 1.0\n"
               "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
               "--b1\nContent-Type: text/plain; charset=us-ascii\n\n"
               "Synthetic report by tests/feed-gen.py: %d rows.\n\n"
               "--b1\nContent-Type: application/%s; name=\"%s\"\n"
               "Content-Transfer-Encoding: base64\n"
               "Content-Disposition: attachment; filename=\"%s\"\n\n%s\n"
               "--b1--\n") % (a.type, a.date, a.type, a.rows, a.seed,
                              a.rows, "zip" if a.zip else "octet-stream",
                              name, name, b64)
        path = os.path.join(a.out, name + ".eml")
        with open(path, "w") as f:
            f.write(eml)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
