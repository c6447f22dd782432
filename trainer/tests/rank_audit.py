"""`python rank_audit.py AUDIT_DIR train --spec ...`: the trainer's command line, recording every file
this rank creates, renames or deletes under the job's output directory (Python audit events) to
AUDIT_DIR/rank-N.txt, so a test can tell which ranks wrote checkpoints."""
import os
import sys

audit_dir, argv = sys.argv[1], sys.argv[2:]
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
log_path = os.path.join(audit_dir, f"rank-{os.environ.get('RANK', '0')}.txt")
watched = os.path.realpath(os.path.join(audit_dir, ".."))  # the test's tmp dir holds every output dir
WRITES = {"os.mkdir", "os.rename", "os.remove", "shutil.rmtree", "os.rmdir"}
writes = []


def hook(event, args):
    if event == "open" and isinstance(args[0], str) and (
            set(args[1]) & set("wax+") if isinstance(args[1], str) else args[2] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)):
        path = args[0]
    elif event in WRITES and args and isinstance(args[0], (str, bytes)):
        path = os.fsdecode(args[0])
    else:
        return
    if os.path.realpath(path).startswith(watched) and not path.startswith(audit_dir):
        writes.append(f"{event} {path}")


sys.addaudithook(hook)
from selftune_trainer.cli import main  # noqa: E402

try:
    code = main(argv)
finally:
    with open(log_path, "w") as f:
        f.write("\n".join(writes))
sys.exit(code)
