#!/usr/bin/env python3
"""One generated workload written in stderr, csvlog and jsonlog at once.

Drives ../shared/bench/gen_pglog.py's generator (same workload model, same seed) with a
writer that renders every log entry in the three formats, so the three logs describe exactly
the same statements, sessions and times. The stderr log uses a millisecond prefix
(`%m [%p]: user=%u,db=%d,app=%a,client=%h `) so that it carries the same times as the other
two.

    python3 bench/gen_formats.py --size-mb 20 --seed 7 --out /tmp/wl/same
    # writes /tmp/wl/same.log, /tmp/wl/same.csv, /tmp/wl/same.json; truth on stderr

The size is the stderr log's.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench"))
sys.path.insert(0, os.environ.get("GEN_PGLOG_DIR", ""))
import gen_pglog  # noqa: E402


class MsStderrWriter(gen_pglog.Writer):
    """The generator's stderr writer with %m instead of %t."""

    def _prefix(self, ts, sess, anonymous):
        t = ts.strftime("%Y-%m-%d %H:%M:%S.") + "%03d UTC" % (ts.microsecond // 1000)
        if sess is None:
            return "%s [%d]: user=,db=,app=,client= " % (t, self.bgpid)
        if anonymous:
            return "%s [%d]: user=[unknown],db=[unknown],app=[unknown],client=%s " % (t, sess.pid, sess.client)
        return "%s [%d]: user=%s,db=%s,app=%s,client=%s " % (
            t, sess.pid, sess.user, sess.db, sess.app, sess.client)


class Tee:
    """Renders each entry in the three formats; its size is the stderr log's."""

    def __init__(self, base):
        self.writers = [
            MsStderrWriter("stderr", open(base + ".log", "w", encoding="utf-8")),
            gen_pglog.Writer("csvlog", open(base + ".csv", "w", encoding="utf-8")),
            gen_pglog.Writer("jsonlog", open(base + ".json", "w", encoding="utf-8")),
        ]

    @property
    def bytes(self):
        return self.writers[0].bytes

    @property
    def buflen(self):
        return self.writers[0].buflen

    @property
    def bgpid(self):
        return self.writers[0].bgpid

    @bgpid.setter
    def bgpid(self, pid):
        for w in self.writers:
            w.bgpid = pid

    def entry(self, ts, sess, sev, msg, detail=None, statement=None, sqlstate="00000",
              backend="client backend", anonymous=False):
        if sess is not None:
            sess.line += 1
        s, c, j = self.writers
        s._stderr(ts, sess, sev, msg, detail, statement, anonymous)
        c._csv(ts, sess, sev, msg, detail, statement, sqlstate, backend, anonymous)
        j._json(ts, sess, sev, msg, detail, statement, sqlstate, backend, anonymous)

    def flush(self):
        for w in self.writers:
            w.flush()

    def close(self):
        for w in self.writers:
            w.out.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True, help="path without extension")
    ap.add_argument("--sessions", type=int, default=60)
    ap.add_argument("--rate", type=float, default=150.0)
    args = ap.parse_args()
    args.format = "stderr"
    args.out_fh = open(os.devnull, "w")
    g = gen_pglog.Generator(args)
    tee = Tee(args.out)
    g.w = tee
    stats = g.run()
    tee.close()
    json.dump(stats, sys.stderr, indent=1, sort_keys=True)
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
