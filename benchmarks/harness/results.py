"""What every benchmark record and every run's payload hold, whatever the command."""

import os


def add_memory_fields(record):
    """Sets the memory a record reports, in place, and returns it.

    `memory_kind` is "device" on an accelerator, else "rss"; `peak_memory_bytes` is the device's
    peak or the resident peak; `memory_above_baseline_bytes` subtracts what the process held once
    the measured thing and its inputs existed (None where the case did not run).
    """
    on_device = "peak_device_bytes" in record
    peak = record.get("peak_device_bytes" if on_device else "peak_rss_bytes")
    baseline = record.get("baseline_device_bytes" if on_device else "baseline_rss_bytes")
    record["memory_kind"] = "device" if on_device else "rss"
    record["peak_memory_bytes"] = peak
    record["memory_above_baseline_bytes"] = None if peak is None else peak - baseline
    return record


def run_device(records):
    """`(device_kind, device_name)` the children reported, ("unknown", "unknown") if none ran."""
    devices = {(r["device_kind"], r["device_name"]) for r in records if "device_kind" in r}
    return sorted(devices)[0] if devices else ("unknown", "unknown")


def assemble_payload(environment, settings, records, **parts):
    """The JSON payload of a run: where it ran, its settings, its records and other `parts`
    (comparisons, searches); stamps the load average at the end."""
    environment = {**environment, "load_average_at_end": list(os.getloadavg())}
    device_kind, device_name = run_device(records)
    return {
        "environment": environment,
        "device_kind": device_kind,
        "device_name": device_name,
        "settings": settings,
        "records": records,
        **parts,
    }


def failed_cases(payload):
    """Descriptions of the failed cases if every case of `payload` failed, else an empty list."""
    records = payload["records"]
    if any(record["status"] == "OK" for record in records):
        return []
    return [f"{record['status']}: {record.get('error') or ''}".strip() for record in records]


def flat_records(cases, results):
    """One record per case: its parameters next to its `CaseResult.as_record()`."""
    return [{**case.params, **result.as_record()} for case, result in zip(cases, results)]
