#!/usr/bin/env python3
"""Extracts filter patterns from a git mirror of a public repository, as the service
receives them: each host language's string literal is decoded (HCL escapes and its `$${`/`%%{`
template escapes, YAML single/double/plain scalars, JSON strings, Python and TypeScript
literals). Patterns built by interpolation (`${var}`, `!Sub` with variables, f-strings) are
skipped: their text is not known.

usage: extract.py GIT_DIR OWNER/NAME > found.jsonl   (assemble.py adds kind and licence)
"""
import ast
import json
import re
import subprocess
import sys

git_dir, repo = sys.argv[1:3]


def git(*args):
    return subprocess.run(["git", "--git-dir", git_dir, *args], capture_output=True,
                          text=True, errors="replace").stdout


commit = git("rev-parse", "HEAD").strip()

HCL = re.compile(r'\b(?:pattern|filter_pattern|log_pattern|metric_pattern)\s*=\s*"((?:[^"\\\n]|\\.)*)"')
YAML = re.compile(r'\b(?:FilterPattern|filterPattern|filter_pattern|pattern)\s*:\s*(.+?)\s*$')
JSON = re.compile(r'"(?:FilterPattern|filterPattern|filter_pattern)"\s*:\s*("(?:[^"\\]|\\.)*")')
PY = re.compile(r'''(?:FilterPattern\.literal\(|filter_pattern\s*=\s*|filterPattern\s*=\s*|FilterPattern\s*=\s*)\s*([rRbB]?(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))''')
TS = re.compile(r'''(?:FilterPattern\.literal\(|filterPattern\s*:\s*|filterPattern\s*=\s*)\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`$]*`)''')


def hcl(s):
    if re.search(r'(?<!\$)\$\{', s) or re.search(r'(?<!%)%\{', s):
        return None  # interpolation or template directive
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            e = s[i + 1]
            out.append({'n': '\n', 't': '\t', 'r': '\r', '"': '"', '\\': '\\'}.get(e, '\\' + e))
            i += 2
        elif s.startswith('$${', i):
            out.append('${'); i += 3
        elif s.startswith('%%{', i):
            out.append('%{'); i += 3
        else:
            out.append(c); i += 1
    return ''.join(out)


def yaml_scalar(v):
    if v.startswith(('!', '>', '|', '&', '*')) or v in ('', '""', "''") and False:
        return None
    if v.startswith("'"):
        m = re.match(r"'((?:[^']|'')*)'", v)
        return m.group(1).replace("''", "'") if m else None
    if v.startswith('"'):
        m = re.match(r'"((?:[^"\\]|\\.)*)"', v)
        if not m:
            return None
        try:
            return json.loads('"' + m.group(1) + '"')
        except Exception:
            return None
    if v.startswith(('!', '>', '|', '&', '*', '{{', '$')):
        return None
    v = re.sub(r'\s+#.*$', '', v)
    if v.startswith('{') and not v.startswith('{ $') and not v.startswith('{$'):
        return None  # a YAML flow mapping, not a pattern
    return v


def ts(lit):
    if lit.startswith('`'):
        return lit[1:-1]
    body = lit[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == '\\' and i + 1 < len(body):
            e = body[i + 1]
            out.append({'n': '\n', 't': '\t', 'r': '\r'}.get(e, e))
            i += 2
        else:
            out.append(c); i += 1
    return ''.join(out)


def host(path):
    p = path.lower()
    if p.endswith(('.tf', '.tfvars', '.hcl')):
        return 'terraform'
    if p.endswith(('.yml', '.yaml')):
        return 'yaml'
    if p.endswith('.json'):
        return 'json'
    if p.endswith('.py'):
        return 'python'
    if p.endswith(('.ts', '.js')):
        return 'typescript'
    return None


files = git("grep", "-l", "-I", "-i", "-E", "filter.?pattern|metric_filter|subscription_filter|log_filter|log_group", "HEAD", "--",
            "*.tf", "*.tfvars", "*.yml", "*.yaml", "*.json", "*.py", "*.ts", "*.js").split()
seen = set()
for f in files:
    path = f.split(":", 1)[1]
    kind = host(path)
    if kind is None or 'node_modules' in path:
        continue
    text = git("show", f"HEAD:{path}")
    for n, line in enumerate(text.splitlines(), 1):
        found = []
        if line.lstrip().startswith(("#", "//", "/*", "*")):
            continue  # a comment: nothing the service received
        if kind == 'terraform':
            found = [hcl(m.group(1)) for m in HCL.finditer(line)]
        elif kind == 'yaml':
            m = YAML.search(line)
            if m and re.search(r'FilterPattern|filterPattern|filter_pattern', line) or (m and 'pattern' in line and 'metric' in text.lower() and 'logs' in text.lower() and False):
                found = [yaml_scalar(m.group(1))]
        elif kind == 'json':
            for m in JSON.finditer(line):
                try:
                    found.append(json.loads(m.group(1)))
                except Exception:
                    pass
        elif kind == 'python':
            for m in PY.finditer(line):
                lit = m.group(1)
                if lit[:1] in 'fF':
                    continue
                try:
                    found.append(ast.literal_eval(lit))
                except Exception:
                    pass
        elif kind == 'typescript':
            found = [ts(m.group(1)) for m in TS.finditer(line)]
        for p in found:
            if p is None or not isinstance(p, str):
                continue
            key = (p, path)
            if key in seen:
                continue
            seen.add(key)
            print(json.dumps({"pattern": p, "repo": repo, "path": path, "line": n,
                              "commit": commit, "host": kind},
                             ensure_ascii=False))
