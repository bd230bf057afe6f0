"""Assertions on the manifests `helm template` rendered (baocao's chart).

    python3 assert_manifests.py RENDERED.yaml VALUES.yaml TOML_OUT

Every container runs as non-root with a read-only root file system and no
privilege escalation; the long-running ones have startup, liveness and
readiness probes; the migration is a pre-install/pre-upgrade hook Job; the
kinds the deployment needs are there; no secret of the values appears in a
ConfigMap, and the settings file names no secret. Writes the rendered
settings file to TOML_OUT, for the binary to load.
"""

import sys
import tomllib

import yaml

SECRET_KEYS = ("databaseUrl", "redisUrl", "signingKeySecret", "oidcClientSecret", "smtpUrl", "pgbouncerPassword")
SECRET_SETTINGS = (
    ("database", "url"),
    ("redis", "url"),
    ("signing", "key_secret"),
    ("auth", "oidc", "client_secret"),
    ("mail", "smtp_url"),
    ("metrics", "token"),
)
NEEDED = {"Deployment", "Service", "Ingress", "ConfigMap", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget"}


def fail(message):
    print(f"FAIL {message}")
    sys.exit(1)


def pod_specs(doc):
    kind = doc["kind"]
    if kind == "Deployment":
        return [doc["spec"]["template"]["spec"]]
    if kind == "Job":
        return [doc["spec"]["template"]["spec"]]
    return []


def check_pods(docs):
    for doc in docs:
        for pod in pod_specs(doc):
            name = f'{doc["kind"]}/{doc["metadata"]["name"]}'
            pod_context = pod.get("securityContext", {})
            if pod.get("automountServiceAccountToken") is not False:
                fail(f"{name}: the service account token is mounted")
            for c in pod.get("initContainers", []) + pod["containers"]:
                ctx = c.get("securityContext", {})
                if not (ctx.get("runAsNonRoot") or pod_context.get("runAsNonRoot")):
                    fail(f"{name}/{c['name']}: may run as root")
                if ctx.get("readOnlyRootFilesystem") is not True:
                    fail(f"{name}/{c['name']}: writable root file system")
                if ctx.get("allowPrivilegeEscalation") is not False:
                    fail(f"{name}/{c['name']}: privilege escalation allowed")
                if "ALL" not in ctx.get("capabilities", {}).get("drop", []):
                    fail(f"{name}/{c['name']}: capabilities not dropped")
                if "resources" not in c or "limits" not in c["resources"]:
                    fail(f"{name}/{c['name']}: no resource limits")
                if doc["kind"] == "Deployment":
                    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                        if probe not in c:
                            fail(f"{name}/{c['name']}: no {probe}")


def check_hook(docs):
    jobs = [d for d in docs if d["kind"] == "Job"]
    if not jobs:
        fail("no migration Job")
    hooks = jobs[0]["metadata"].get("annotations", {}).get("helm.sh/hook", "")
    if set(hooks.split(",")) != {"pre-install", "pre-upgrade"}:
        fail(f"the migration Job is not a pre-install/pre-upgrade hook: {hooks!r}")
    if jobs[0]["spec"]["template"]["spec"]["containers"][0]["args"] != ["migrate"]:
        fail("the migration Job does not run `baocao migrate`")


def check_secrets(docs, values):
    secrets = [v for k, v in (values.get("secrets") or {}).items() if k in SECRET_KEYS and v]
    toml = None
    for doc in docs:
        if doc["kind"] != "ConfigMap":
            continue
        for key, text in (doc.get("data") or {}).items():
            for secret in secrets:
                if secret in text:
                    fail(f"ConfigMap {doc['metadata']['name']} holds a secret in {key}")
            if key == "baocao.toml":
                toml = text
                settings = tomllib.loads(text)
                for path in SECRET_SETTINGS:
                    node = settings
                    for part in path:
                        node = node.get(part) if isinstance(node, dict) else None
                    if node is not None:
                        fail(f"the settings file sets a secret ({'.'.join(path)})")
    if toml is None:
        fail("no settings file (baocao.toml) in a ConfigMap")
    web = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-web")][0]
    env = {e["name"]: e for e in web["spec"]["template"]["spec"]["containers"][0]["env"]}
    url = env["BAOCAO_DATABASE__URL"]
    if "value" in url:
        # The PgBouncer sidecar's socket: no password in the URL, the sidecar
        # reads the database's from the Secret.
        volumes = {v["name"]: v for v in web["spec"]["template"]["spec"]["volumes"]}
        if "secret" not in volumes.get("pgbouncer-userlist", {}) or "@" not in url["value"] or ":" in url["value"].split("@")[0][len("postgres://"):]:
            fail("the database URL is neither from a Secret nor PgBouncer's socket without a password")
    elif "secretKeyRef" not in url.get("valueFrom", {}):
        fail("the database URL does not come from a Secret")
    return toml


def main():
    rendered, values_file, toml_out = sys.argv[1:4]
    docs = [d for d in yaml.safe_load_all(open(rendered, encoding="utf-8")) if d]
    values = yaml.safe_load(open(values_file, encoding="utf-8")) or {}
    kinds = {d["kind"] for d in docs}
    if not NEEDED <= kinds:
        fail(f"missing kinds: {sorted(NEEDED - kinds)}")
    check_pods(docs)
    check_hook(docs)
    toml = check_secrets(docs, values)
    open(toml_out, "w", encoding="utf-8").write(toml)
    print(f"ok: {len(docs)} manifests, kinds {sorted(kinds)}")


main()
