#!/usr/bin/env python3
"""Validates SkyPilot task YAMLs with SkyPilot's own code, offline: `check-sky-task.py TASK.yaml [TASK.yaml ...]`.

Run it with the Python of the venv that scripts/trainers/setup-skypilot.sh makes. What it checks, all SkyPilot's:
- sky.Task.from_yaml: the task schema (sky/utils/schemas.py, get_task_schema), the resources schema and its
  parsing (accelerators, use_spot, ...), the storage schema of each bucket mount, the names in `envs`/`secrets`;
- Task.validate_name and validate_run, and the name as a cluster name (a managed job's cluster is named after it);
- Task.expand_and_validate_workdir and expand_and_validate_file_mounts: local sources exist, destinations are
  absolute and end in no slash;
- Storage._validate_storage_spec for each bucket mount: the source rules SkyPilot applies when it creates the
  mount (for instance, MOUNT and MOUNT_CACHED take a whole bucket, never a sub-path of one).
Left out: Resources.validate(), which reads SkyPilot's accelerator catalog from GitHub (unreachable here), and
whatever needs a cloud (does the bucket exist, can it be mounted). `sky launch --dryrun` needs both.

For each file, in order, prints what SkyPilot read as one line of JSON (name, run, setup, envs, secrets,
secret_refs, file_mounts, storage_mounts, resources). At the first file SkyPilot refuses, prints
`invalid: FILE: <SkyPilot's error>` to stderr and exits 1. Several files in one call share the ~3 s that
importing SkyPilot takes.
"""
import json
import sys


def check(path: str) -> dict:
    """What SkyPilot read from the task file at `path`; raises SkyPilot's error when it refuses the file."""
    import sky  # pylint: disable=import-outside-toplevel
    from sky.utils import common_utils  # pylint: disable=import-outside-toplevel

    task = sky.Task.from_yaml(path)
    task.validate_name()
    task.validate_run()
    common_utils.check_cluster_name_is_valid(task.name)
    task.expand_and_validate_workdir()
    task.expand_and_validate_file_mounts()
    for storage in (task.storage_mounts or {}).values():
        storage._validate_storage_spec(storage.name)  # pylint: disable=protected-access
    return {
        'name': task.name,
        'run': task.run,
        'setup': task.setup,
        'envs': task.envs,
        'secrets': sorted(task.secrets.keys()),
        # Secrets without a value in the file (`NAME: null`): given at launch, `sky jobs launch --secret NAME`.
        'secret_refs': sorted(ref.name for ref in task.managed_secret_refs),
        'file_mounts': task.file_mounts or {},
        'storage_mounts': {
            dst: {'source': s.source, 'mode': s.mode.value}
            for dst, s in (task.storage_mounts or {}).items()
        },
        'resources': [r.to_yaml_config() for r in task.resources],
    }


def main(paths: list) -> int:
    for path in paths:
        try:
            read = check(path)
        except Exception as error:  # pylint: disable=broad-except
            print(f'invalid: {path}: {type(error).__name__}: {error}', file=sys.stderr)
            return 1
        print(json.dumps(read, sort_keys=True), flush=True)
    return 0


if __name__ == '__main__':
    if len(sys.argv) < 2:
        print('usage: check-sky-task.py TASK.yaml [TASK.yaml ...]', file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
