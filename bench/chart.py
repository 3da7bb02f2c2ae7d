#!/usr/bin/env python3
"""Draws the gain column of a bench/run table (written with --markdown) as
an SVG bar chart: one bar per case, how many times better ours is than C
LuaSocket, on a log scale with a line at 1x. Cases where only ours works are
drawn as such. No third-party packages needed.

usage: bench/chart.py TABLE.md OUT.svg
"""
import math
import re
import sys


def parse(path):
    rows = []
    title = ""
    for line in open(path, encoding="utf-8"):
        if line.startswith("# bench/run"):
            title = line[2:].strip()
        if rows and not line.startswith("|"):
            break  # the gains table ended (the CPU table after it is not charted)
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("| ") else []
        if len(cells) < 5 or cells[0] in ("case", "---"):
            continue
        case, gain = cells[0], cells[4]
        g = re.match(r"([\d.]+)×", gain)
        if g:
            rows.append((case, float(g.group(1)), None))
        elif "only ours" in gain:
            rows.append((case, None, "only ours works"))
        else:
            rows.append((case, None, gain))
    return title, rows


def svg(title, rows):
    bar_h, gap, left, width = 18, 6, 130, 520
    top = 48
    height = top + len(rows) * (bar_h + gap) + 40
    # from 0.5x to 30x, or further right when a gain is larger
    most = max([30] + [gain * 1.2 for _, gain, _ in rows if gain])
    lo, hi = math.log10(0.5), math.log10(most)

    def x(v):
        v = min(max(v, 0.5), most)
        return left + (math.log10(v) - lo) / (hi - lo) * width

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" '
           'font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="18" font-size="13" font-weight="bold">luasocket (Rust) vs C LuaSocket: '
           'how many times better (log scale)</text>',
           f'<text x="10" y="34" fill="#555">{title}</text>']
    for tick in [t for t in (0.5, 1, 2, 3, 5, 10, 20, 50, 100, 200) if t <= most]:
        tx = x(tick)
        out.append(f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{height - 30}" '
                   f'stroke="{"#000" if tick == 1 else "#ddd"}"/>')
        out.append(f'<text x="{tx:.1f}" y="{height - 16}" text-anchor="middle">{tick}×</text>')
    for i, (case, gain, note) in enumerate(rows):
        y = top + i * (bar_h + gap)
        out.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{case}</text>')
        if gain is not None:
            x0, x1 = x(1), x(gain)
            color = "#2a7" if gain >= 1 else "#d54"
            out.append(f'<rect x="{min(x0, x1):.1f}" y="{y}" width="{abs(x1 - x0):.1f}" height="{bar_h}" '
                       f'fill="{color}"/>')
            out.append(f'<text x="{max(x0, x1) + 4:.1f}" y="{y + 13}">{gain:.2f}×</text>')
        else:
            out.append(f'<text x="{x(1) + 4:.1f}" y="{y + 13}" fill="#27a">{note}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    title, rows = parse(sys.argv[1])
    if not rows:
        raise SystemExit(f"no table rows in {sys.argv[1]}")
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(svg(title, rows))


if __name__ == "__main__":
    main()
