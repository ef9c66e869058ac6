#!/usr/bin/env python3
"""CPU seconds used so far by one or more process trees, from /proc.

    procstat.py PID [PID...]

For each root PID: its own utime+stime plus cutime+cstime (the time of children it has already
reaped, e.g. PostgreSQL backends that have exited), plus utime+stime of every live descendant.
The difference of two readings is the CPU the trees spent in between, including processes that
started and ended in between (once their parent has reaped them). Prints seconds; 0 when no PID.
"""
import os
import sys

TICK = os.sysconf("SC_CLK_TCK")


def read_stat(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after the last ')'.
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
    return int(fields[1]), [int(x) for x in fields[11:15]]


def main(roots):
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = read_stat(name)
            if st:
                stats[int(name)] = st
    children = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total = 0
    for root in roots:
        if root not in stats:
            continue
        utime, stime, cutime, cstime = stats[root][1]
        total += utime + stime + cutime + cstime
        todo = list(children.get(root, []))
        while todo:
            pid = todo.pop()
            utime, stime, _, _ = stats[pid][1]
            total += utime + stime
            todo.extend(children.get(pid, []))
    print(f"{total / TICK:.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:] if a.strip()])
