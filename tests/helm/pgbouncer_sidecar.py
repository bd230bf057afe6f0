"""The chart's PgBouncer sidecar, run for real with the files the chart rendered.

    python3 pgbouncer_sidecar.py RENDERED.yaml BAOCAO_BINARY

When the rendered release has the sidecar (pgbouncer.enabled): PgBouncer
(Debian's package) is started with the rendered pgbouncer.ini, pg_hba.conf and
the userlist of the rendered Secret, its paths moved into a scratch directory
and its [databases] line pointed at this machine's PostgreSQL (a fresh
database, owned by the role the chart names). Then `baocao migrate` connects
with the URL the web Deployment gives its instance (the socket directory moved
likewise) and must bring the schema up; a client over TCP must be refused
(only the pod's own processes may use PgBouncer). The web and worker pods must
carry the same sidecar; the migration Job must connect directly (database-url).
Prints "skipped" and exits 0 when the release has no sidecar.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import yaml

SOCKET_DIR = "/var/run/pgbouncer"


def fail(message):
    print(f"FAIL {message}")
    sys.exit(1)


def psql(sql, database="postgres"):
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atqc", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def pod(docs, kind, suffix):
    for doc in docs:
        if doc["kind"] == kind and doc["metadata"]["name"].endswith(suffix):
            return doc["spec"]["template"]["spec"]
    fail(f"no {kind} named *{suffix}")


def sidecar_of(spec):
    found = [c for c in spec.get("initContainers", []) if c["name"] == "pgbouncer"]
    if not found:
        return None
    if found[0].get("restartPolicy") != "Always":
        fail("the pgbouncer init container is not a native sidecar (restartPolicy: Always)")
    return found[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rendered_files(docs, work, port, database):
    """pgbouncer.ini, pg_hba.conf and userlist.txt, moved into `work`; the
    database name the instances ask for, and the user PgBouncer logs in as."""
    config = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-pgbouncer"))
    secret = next((d for d in docs if d["kind"] == "Secret"), None)
    if secret is None or "pgbouncer-userlist" not in secret.get("stringData", {}):
        fail("the release has the sidecar but renders no pgbouncer-userlist (use a values file that makes the Secret)")
    ini = config["data"]["pgbouncer.ini"]
    ini = ini.replace("/etc/baocao/pgbouncer-secret/", f"{work}/").replace("/etc/baocao/pgbouncer/", f"{work}/")
    ini = ini.replace(SOCKET_DIR, f"{work}/run")
    ini = re.sub(r"^listen_port = \d+$", f"listen_port = {port}", ini, flags=re.M)
    ini = re.sub(r"host=\S+ port=\d+ dbname=\S+", f"host=127.0.0.1 port=5432 dbname={database}", ini)
    os.makedirs(f"{work}/run")
    with open(f"{work}/pgbouncer.ini", "w", encoding="utf-8") as f:
        f.write(ini)
    with open(f"{work}/pg_hba.conf", "w", encoding="utf-8") as f:
        f.write(config["data"]["pg_hba.conf"])
    with open(f"{work}/userlist.txt", "w", encoding="utf-8") as f:
        f.write(secret["stringData"]["pgbouncer-userlist"] + "\n")
    entry = re.search(r"^(\S+) = host=\S+ port=\d+ dbname=\S+ user=(\S+)$", ini, flags=re.M)
    if entry is None:
        fail("pgbouncer.ini has no [databases] entry for the instances")
    return entry.group(1), entry.group(2)


def start_pgbouncer(work, port):
    # PgBouncer refuses to run as root: it runs as the database's own user.
    command = ["pgbouncer", f"{work}/pgbouncer.ini"]
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
        for name in os.listdir(work):
            shutil.chown(f"{work}/{name}", "postgres")
        command = ["runuser", "-u", "postgres", "--"] + command
    log = open(f"{work}/pgbouncer.log", "w", encoding="utf-8")
    child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while not os.path.exists(f"{work}/run/.s.PGSQL.{port}"):
        if child.poll() is not None or time.monotonic() > deadline:
            fail(f"pgbouncer did not start: {open(f'{work}/pgbouncer.log', encoding='utf-8').read()}")
        time.sleep(0.05)
    return child


def check(docs, baocao):
    web, worker = pod(docs, "Deployment", "-web"), pod(docs, "Deployment", "-worker")
    sidecar = sidecar_of(web)
    if sidecar is None:
        print("pgbouncer sidecar: skipped (pgbouncer.enabled is false)")
        return
    if sidecar_of(worker) != sidecar:
        fail("the worker's pgbouncer sidecar differs from the web's")
    url = {e["name"]: e for e in web["containers"][0]["env"]}["BAOCAO_DATABASE__URL"].get("value", "")
    if f"host={SOCKET_DIR}" not in url or re.match(r"postgres://[^@/]*:[^@/]*@", url):
        fail(f"the instances' database URL is not PgBouncer's socket without a password: {url!r}")
    job = pod(docs, "Job", "-migrate")
    job_env = {e["name"]: e for e in job["containers"][0]["env"]}["BAOCAO_DATABASE__URL"]
    if job_env.get("valueFrom", {}).get("secretKeyRef", {}).get("key") != "database-url":
        fail("the migration Job does not connect with the Secret's database-url")

    port, database = free_port(), f"baocao_helm_{os.getpid()}"
    work = tempfile.mkdtemp()
    os.chmod(work, 0o755)
    entry, user = rendered_files(docs, work, port, database)
    if psql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'") == "0":
        psql(f'CREATE ROLE "{user}" LOGIN')
    psql(f'CREATE DATABASE {database} OWNER "{user}"')
    child = start_pgbouncer(work, port)
    try:
        local_url = url.replace(SOCKET_DIR, f"{work}/run").replace(":6432/", f":{port}/")
        migrated = subprocess.run([baocao, "migrate"], env={**os.environ, "BAOCAO_DATABASE__URL": local_url},
                                  capture_output=True, text=True, cwd=work)
        if migrated.returncode != 0:
            fail(f"baocao migrate through the sidecar failed: {migrated.stderr[-2000:]}")
        tables = psql("SELECT count(*) FROM information_schema.tables WHERE table_name = 'reports'", database)
        if tables != "1":
            fail("migrate through the sidecar left no reports table")
        over_tcp = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", entry, "-c", "SELECT 1"],
                                  capture_output=True, text=True)
        if over_tcp.returncode == 0 or "login rejected" not in over_tcp.stderr:
            fail(f"PgBouncer took a client over TCP: {over_tcp.stderr!r}")
    finally:
        child.terminate()
        child.wait()
        psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)
    print(f"pgbouncer sidecar: ok (migrated through its socket as {user}; TCP refused)")


def main():
    rendered, baocao = sys.argv[1:3]
    docs = [d for d in yaml.safe_load_all(open(rendered, encoding="utf-8")) if d]
    check(docs, os.path.abspath(baocao))


main()
