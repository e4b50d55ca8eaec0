"""Reads a streamlearn checkpoint record holding a tree or a forest with pyarrow only, lays each tree out as
a pyarrow node table and draws it as indented text. Prints one JSON object: per tree, the preorder walk
(depth, kind, feature, threshold) and the drawing. Usage: draw_tree.py <checkpoint-record-file>."""
import json
import sys

import pyarrow as pa


def read_record(path):
    data = open(path, "rb").read()
    assert data[:4] == b"SLCK", "not a streamlearn checkpoint"
    n = int.from_bytes(data[5:9], "big")
    manifest = json.loads(data[9:9 + n])
    table = pa.ipc.open_stream(data[9 + n:]).read_all()
    arrays = {}
    for i, name in enumerate(table.column("name").to_pylist()):
        dtype = table.column("dtype")[i].as_py()
        # Payload v2 records each array's row-major shape: the leaf statistics come out [nodes, width].
        arrays[name] = table.column(dtype)[i].values.to_numpy(zero_copy_only=False).reshape(table.column("shape")[i].as_py())
    return manifest, arrays


def node_table(arrays, prefix):
    """The node table of one tree: one row per node id, leaf statistics as a list column."""
    stats = arrays[prefix + "nodes.stats"]
    assert stats.ndim == 2 and stats.shape[0] == len(arrays[prefix + "nodes.id"]), stats.shape
    columns = {name: arrays[prefix + "nodes." + name] for name in ("id", "parent", "kind", "feature", "threshold", "left", "right", "depth")}
    columns["stats"] = pa.array([row.tolist() for row in stats], type=pa.list_(pa.float64()))
    return pa.table(columns)


def draw(table, root, names):
    rows = table.to_pylist()
    lines, walk = [], []
    stack = [(root, 0, "")]
    while stack:
        node, depth, edge = stack.pop()
        row = rows[node]
        kind = row["kind"]
        walk.append([depth, kind, row["feature"], row["threshold"]])
        pad = "  " * depth + edge
        if kind == 0:
            stats = row["stats"]
            lines.append(f"{pad}leaf: " + ", ".join(f"{v:g}" for v in stats))
            continue
        name = names[row["feature"]] if names else f"x{row['feature']}"
        test = f"{name} <= {row['threshold']:g}" if kind == 1 else f"{name} == {row['threshold']:g}"
        lines.append(f"{pad}{test}")
        stack.append((row["right"], depth + 1, "no: "))
        stack.append((row["left"], depth + 1, "yes: "))
    return walk, "\n".join(lines)


def main():
    manifest, arrays = read_record(sys.argv[1])
    config = manifest["model"]["config"]
    names = manifest.get("extra", {}).get("featureNames")
    prefixes = [""] if "nodes.kind" in arrays else [f"tree{i}/" for i in range(config["numModels"])]
    trees = []
    for prefix in prefixes:
        table = node_table(arrays, prefix)
        root = int(arrays[prefix + "tree.scalars"][0])
        walk, text = draw(table, root, names)
        trees.append({"prefix": prefix, "columns": table.column_names, "walk": walk, "text": text})
    print(json.dumps({"kind": manifest["model"]["kind"], "trees": trees}))


main()
