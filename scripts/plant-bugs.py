#!/usr/bin/env python3
"""Plants each bug of issue 11's audit, one at a time, runs the unit test that should catch it (by name), and reverts.

Usage: python3 scripts/plant-bugs.py  (from the repository root; prints one line per bug: CAUGHT or SURVIVED).
A bug whose text no longer matches the code (after a refactor) is reported as NOT PLANTED: update its edit.
"""
import subprocess, sys

BUGS = [
    ('training before testing', 'src/evaluation/test-then-train.ts',
     '  const predictions = model.predictMany(xs);\n',
     '  model.learnMany(xs, ys, step.where);\n  const predictions = model.predictMany(xs);\n',
     ['test/unit/topology/learn-batch.test.ts'], 'predicts every event'),
    ('scoring P(class 0) instead of P(class 1)', 'src/evaluation/test-then-train.ts',
     "if (needs === 'probability') return probabilities[offset + 1];",
     "if (needs === 'probability') return probabilities[offset];",
     ['test/unit/topology/learn-batch.test.ts'], 'P\\(class 1\\)'),
    ('off-by-one in the class-index label check', 'src/topology/operators/vet.ts',
     'y < model.numClasses)', 'y <= model.numClasses)',
     ['test/unit/topology/learn-batch.test.ts'], 'dead-letters each bad event'),
    ('off-by-one in the configured label range', 'src/topology/label-guard.ts',
     'if (y < min || y > max)', 'if (y < min || y >= max)',
     ['test/unit/topology/learn-batch.test.ts'], 'bounds included as valid'),
    ('a diverged batch that is not dead-lettered', 'src/topology/operators/divergence.ts',
     "      replay.failures.push(...diverged(good, entry.where, problem ?? '', 'error' in outcome ? outcome.error : undefined));\n", '',
     ['test/unit/topology/learn-batch.test.ts', 'test/unit/topology/checkpoint.test.ts'], 'DIVERGED'),
    ('hashing only the first 64 KiB of a payload', 'src/checkpoints/envelope.ts',
     'export const sha256 = (bytes: Uint8Array): string => createHash(\'sha256\').update(bytes).digest(\'hex\');',
     'export const sha256 = (bytes: Uint8Array): string => createHash(\'sha256\').update(bytes.subarray(0, 65536)).digest(\'hex\');',
     ['test/unit/checkpoints/integrity.test.ts', 'test/unit/checkpoints/envelope.test.ts'], '64 KiB'),
    ('skipping the hash check when the manifest has no hash', 'src/checkpoints/envelope.ts',
     "  if (typeof manifest.payloadSha256 !== 'string' || !SHA256_HEX.test(manifest.payloadSha256)) {",
     "  if (manifest.payloadSha256 !== undefined && (typeof manifest.payloadSha256 !== 'string' || !SHA256_HEX.test(manifest.payloadSha256))) {",
     ['test/unit/checkpoints/integrity.test.ts'], 'edited, removed'),
    # `manifest.payloadSha256 && actual !== ...` would be an equivalent mutant: the check above already refuses a missing hash.
    ('FTRL without its L2 term', 'src/learners/optimizers/ftrl.ts',
     '/ ((this.config.beta + Math.sqrt(nextN)) / alpha + l2)', '/ ((this.config.beta + Math.sqrt(nextN)) / alpha)',
     ['test/unit/learners/optimizers.test.ts'], 'FTRL'),
    ('recommend failing to exclude the item in row 0', 'src/reco/reco-learner.ts',
     'if (row >= 0) scores[row] = -Infinity;', 'if (row > 0) scores[row] = -Infinity;',
     ['test/unit/reco/recommenders.test.ts', 'test/unit/reco/top-k.test.ts'], 'exclu'),
]

def main() -> int:
    survived = 0
    only = sys.argv[1:]
    for name, path, old, new, tests, pattern in BUGS:
        if only and not any(word in name for word in only):
            continue
        text = open(path).read()
        if text.count(old) != 1:
            print(f'NOT PLANTED  {name}: {path} no longer holds the text to change')
            survived += 1
            continue
        open(path, 'w').write(text.replace(old, new))
        try:
            # Only the test meant to catch the bug: a planted bug can make other tests very slow (huge diffs).
            run = subprocess.run(['npx', 'jest', '-c', 'jest.mutation.config.js', '--testMatch', '**/test/unit/**/*.test.ts', '--verbose', '-t', pattern, *tests],
                                 capture_output=True, text=True, timeout=600)
        finally:
            open(path, 'w').write(text)
        failing = [line.strip() for line in run.stdout.splitlines() + run.stderr.splitlines() if line.strip().startswith('✕')]
        caught = run.returncode != 0 and len(failing) > 0
        print(f"{'CAUGHT   ' if caught else 'SURVIVED '}  {name}: {failing[0] if failing else '(no test failed)'}")
        survived += 0 if caught else 1
    return 1 if survived else 0

if __name__ == '__main__':
    sys.exit(main())
