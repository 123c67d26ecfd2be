#!/usr/bin/env python3
"""The man pages and completions against the other sources of the same facts.

Each fact has one source; this test fails when a page or a completion falls
behind it:
  - every option in `notify-broker --help` (and each command's --help) and in
    `notify-brokerd --help` is in the command's man page and both completions;
  - every key of the annotated config (units/notify-brokerd.toml) is in
    notify-brokerd.toml(5), under its table;
  - every default that `notify-brokerd --check-config` prints for an empty
    config is the default notify-brokerd.toml(5) gives for that key.

    docs_facts_test.py --source DIR [--cli notify-broker] [--daemon notify-brokerd]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def help_options(program, *args):
    out = subprocess.run([program, *args, "--help"], capture_output=True, text=True, check=False)
    text = out.stdout + out.stderr
    if out.returncode != 0:
        fail(f"{program} {' '.join(args)} --help exited {out.returncode}")
    return text, sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text)))


def check_options(options, where, texts):
    for option in options:
        for name, text in texts.items():
            if not re.search(r"(?<![\w-])" + re.escape(option) + r"(?![\w-])", text):
                fail(f"{option} ({where}) is not in {name}")


def check_cli(cli, source):
    page = read(os.path.join(source, "man/notify-broker.1.scd"))
    bash = read(os.path.join(source, "completions/notify-broker.bash"))
    zsh = read(os.path.join(source, "completions/_notify-broker"))
    texts = {"notify-broker(1)": page, "the bash completion": bash, "the zsh completion": zsh}
    text, options = help_options(cli)
    check_options(options, "notify-broker --help", texts)
    commands = re.findall(r"^  ([a-z]+)  ", text.split("Commands:", 1)[-1], re.M)
    if not commands:
        fail("notify-broker --help lists no commands")
    for command in commands:
        for name, body in texts.items():
            if not re.search(r"(?<![\w-])" + command + r"(?![\w-])", body):
                fail(f"the command {command} is not in {name}")
        _, options = help_options(cli, command)
        check_options(options, f"notify-broker {command} --help", texts)
    return len(commands)


def check_daemon(daemon, source):
    texts = {
        "notify-brokerd(8)": read(os.path.join(source, "man/notify-brokerd.8.scd")),
        "the bash completion": read(os.path.join(source, "completions/notify-brokerd.bash")),
        "the zsh completion": read(os.path.join(source, "completions/_notify-brokerd")),
    }
    _, options = help_options(daemon)
    check_options(options, "notify-brokerd --help", texts)


def page_sections(page):
    """{table: {key: entry text}} of notify-brokerd.toml(5)."""
    sections = {}
    current = None
    entry = None
    for line in page.splitlines():
        header = re.match(r"^# \[+([a-z_]+)\]+$", line)
        if header:
            current = sections.setdefault(header.group(1), {})
            entry = None
            continue
        if line.startswith("# "):
            current = None
            continue
        if current is None:
            continue
        keys = re.findall(r"\*([a-z_]+)\* = ", line)
        if keys and not line.startswith("\t"):
            entry = []
            for key in keys:
                current[key] = entry
            continue
        if entry is not None and line.startswith("\t"):
            entry.append(line.strip())
    return {table: {k: " ".join(v) for k, v in keys.items()} for table, keys in sections.items()}


def annotated_keys(config):
    """{table: [keys]} of the annotated config, commented-out keys included."""
    keys = {}
    table = None
    for line in config.splitlines():
        header = re.match(r"^#? ?\[+([a-z_]+)\]+\s*$", line)
        if header:
            table = keys.setdefault(header.group(1), [])
            continue
        if table is None:
            continue
        key = re.match(r"^(?:# )?([a-z_]+) = ", line)
        if key:
            table.append(key.group(1))
        # The allow rules' keys are listed in a comment: "#   uid / user   the ...".
        listed = re.match(r"^#   ([a-z_]+)(?: / ([a-z_]+))?\s{2,}", line)
        if listed:
            keys.setdefault("allow", []).extend(k for k in listed.groups() if k)
    return keys


def check_config(source, daemon):
    page = read(os.path.join(source, "man/notify-brokerd.toml.5.scd"))
    sections = page_sections(page)
    count = 0
    for table, keys in annotated_keys(read(os.path.join(source, "units/notify-brokerd.toml"))).items():
        for key in dict.fromkeys(keys):
            count += 1
            if key not in sections.get(table, {}):
                fail(f"[{table}] {key} of units/notify-brokerd.toml is not in notify-brokerd.toml(5)")
    if count < 30:
        fail(f"only {count} keys found in units/notify-brokerd.toml: is the parser behind the file?")
    if not daemon:
        return count
    with tempfile.NamedTemporaryFile("w", suffix=".toml") as empty:
        out = subprocess.run([daemon, "--check-config", "--config", empty.name],
                             capture_output=True, text=True, check=False)
    if out.returncode != 0:
        fail(f"notify-brokerd --check-config of an empty config exited {out.returncode}: {out.stderr}")
        return count
    table = None
    for line in out.stdout.splitlines():
        header = re.match(r"^\[+([a-z_]+)\]+$", line)
        if header:
            table = header.group(1)
            continue
        pair = re.match(r"^([a-z_]+) = (.*)$", line)
        if not pair or table is None:
            continue
        key, value = pair.groups()
        if table == "group" and key == "name":
            continue  # the implicit group's name; a [[group]] must name itself
        entry = sections.get(table, {}).get(key)
        if entry is None:
            fail(f"[{table}] {key} (printed by --check-config) is not in notify-brokerd.toml(5)")
            continue
        plain = entry.replace("\\", "")
        if f"Default: *{value}*" not in plain and f"Default: {value}" not in plain:
            fail(f"[{table}] {key}: --check-config says the default is {value}, "
                 f"notify-brokerd.toml(5) says: {entry}")
    return count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--cli")
    parser.add_argument("--daemon")
    args = parser.parse_args()
    if args.cli:
        commands = check_cli(args.cli, args.source)
        print(f"notify-broker: options of --help and of {commands} commands checked")
    if args.daemon:
        check_daemon(args.daemon, args.source)
        print("notify-brokerd: options of --help checked")
    keys = check_config(args.source, args.daemon)
    print(f"{keys} config keys checked" + (" with their defaults" if args.daemon else ""))
    if failures:
        print(f"{len(failures)} fact(s) out of step")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
