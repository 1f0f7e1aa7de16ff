import h5py, sys, numpy as np
def walk(f):
    out = {}
    def visit(name, obj):
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in obj.attrs.items() if k not in ("command", "rgflow_version")}
        out[name + "@attrs"] = attrs
        if isinstance(obj, h5py.Dataset): out[name] = obj[()].tobytes()
    f.visititems(visit)
    return out
a = walk(h5py.File(sys.argv[1], "r")); b = walk(h5py.File(sys.argv[2], "r"))
same = a.keys() == b.keys() and all(str(a[k]) == str(b[k]) if k.endswith("@attrs") else a[k] == b[k] for k in a)
print(("same: " if same else "DIFFER: ") + sys.argv[1] + " " + sys.argv[2])
if not same:
    for k in sorted(set(a) | set(b)):
        if str(a.get(k)) != str(b.get(k)): print("  ", k, str(a.get(k))[:200], "|", str(b.get(k))[:200])
