"""Checks on the container set-up: docker-compose.yml, the Dockerfile and .dockerignore.

No Docker engine is needed: the files are only parsed (the compose file with ``yaml.safe_load``, which also
resolves its anchors and ``<<`` merge keys), and the assertions are about what the stack will do when it
runs: which process each service starts, which queue the worker consumes, where the services find the
database and the broker, what they wait for, how their health is probed, which privileges the grading
worker gets and why the others do not, and that every module the commands name exists in the repository.
Django is not imported, so these tests need neither settings nor a database.
"""

import ast
import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

APP_SERVICES = ("web", "worker", "webhooks")
DJANGO_SERVICES = ("web", "worker", "webhooks", "migrate")
LONG_RUNNING_SERVICES = ("web", "worker", "webhooks", "redis", "postgres")
WORKER_SERVICES = ("worker", "webhooks")
ROOT_SANDBOX_FILE = ROOT / "docker-compose.root-sandbox.yml"
FALSY_STRINGS = {"0", "false", "no", "off"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


# Helpers ---------------------------------------------------------------------------------------------------


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """Return ``(INSTRUCTION, arguments)`` pairs, with comments dropped and continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical = pending + line
        pending = ""
        keyword, _, arguments = logical.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    if pending:
        keyword, _, arguments = pending.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def argv(service: dict) -> list[str]:
    """The service's command as an argument list, whichever form (string or list) the file uses."""
    command = service.get("command")
    assert command, "service has no command"
    if isinstance(command, str):
        return shlex.split(command)
    return [str(part) for part in command]


def shell_steps(service: dict) -> list[list[str]]:
    """The commands of an ``sh -c "a && b"`` service, in order, each as an argument list."""
    command = argv(service)
    if len(command) >= 3 and command[0] in {"sh", "/bin/sh", "bash", "/bin/bash"} and command[1] == "-c":
        script = command[2]
    else:
        script = shlex.join(command)
    assert ";" not in script and "||" not in script, f"steps must be chained with && only: {script!r}"
    return [shlex.split(step) for step in script.split("&&")]


def option_values(arguments: list[str], long: str, short: str | None = None) -> list[str]:
    """Every value given to an option, in any of the spellings ``--opt=v``, ``--opt v``, ``-o v``, ``-ov``."""
    values = []
    for index, argument in enumerate(arguments):
        following = arguments[index + 1] if index + 1 < len(arguments) else None
        if argument == long or (short and argument == short):
            if following is not None:
                values.append(following)
        elif argument.startswith(long + "="):
            values.append(argument.split("=", 1)[1])
        elif short and argument.startswith(short) and not argument.startswith("--") and len(argument) > 2:
            values.append(argument[len(short) :].lstrip("="))
    return values


def environment(service: dict) -> dict[str, str]:
    """The service's environment as a dict, whichever form (mapping or ``KEY=value`` list) the file uses."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return dict(env)


def healthcheck_command(service: dict) -> str:
    """The healthcheck's test as one string (without the CMD / CMD-SHELL marker)."""
    check = service.get("healthcheck") or {}
    assert not check.get("disable"), "healthcheck is disabled"
    test = check.get("test")
    assert test, "healthcheck has no test command"
    if isinstance(test, str):
        return test
    assert test[0] in {"CMD", "CMD-SHELL"}, f"healthcheck test must start with CMD or CMD-SHELL, got {test[0]!r}"
    assert len(test) > 1, "healthcheck test has no command after its CMD marker"
    return " ".join(str(part) for part in test[1:])


def image_tag(image: str) -> str | None:
    """The tag of ``name[:tag][@digest]``; None when the image is untagged."""
    name = image.split("@", 1)[0]
    last_component = name.rsplit("/", 1)[-1]
    return last_component.split(":", 1)[1] if ":" in last_component else None


def dependency_conditions(service: dict) -> dict[str, str]:
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        # The short form waits only for the container to start, never for health or completion.
        return dict.fromkeys(depends_on, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in depends_on.items()}


def module_file(dotted: str) -> Path | None:
    """The source file of a dotted module path in the repository, or None when it does not exist."""
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def assigned_names(path: Path) -> set[str]:
    """Names bound at module level in a Python file (assignments, imports, defs)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def celery_app_option(service: dict) -> str:
    values = option_values(argv(service), "--app", "-A")
    assert len(values) == 1, f"expected exactly one -A/--app option, got {values}"
    return values[0]


def gunicorn_app(arguments: list[str]) -> str:
    positional = [part for part in arguments[1:] if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", part)]
    assert len(positional) == 1, f"expected one MODULE:VARIABLE argument, got {positional}"
    return positional[0]


# Services --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["web", "worker", "webhooks", "redis", "postgres", "migrate"])
def test_compose_defines_every_service_of_the_stack(services: dict, name: str) -> None:
    assert name in services


def test_web_serves_the_wsgi_application_with_gunicorn_on_port_8000(services: dict) -> None:
    command = argv(services["web"])
    assert Path(command[0]).name == "gunicorn"
    assert gunicorn_app(command) == "quizsite.wsgi:application"
    assert option_values(command, "--bind", "-b") == ["0.0.0.0:8000"]


def _threads(command: list[str]) -> int:
    assert option_values(command, "--worker-class", "-k") == ["gthread"], "a long poll must hold a thread, not a worker"
    return int(option_values(command, "--threads")[0])


def test_web_answers_long_polls_from_threads_so_waiting_pages_do_not_starve_the_site(services: dict) -> None:
    # The exercise page holds a request open up to 25 s while a submission is graded (events.py).
    assert _threads(argv(services["web"])) >= 8


def test_web_publishes_the_port_gunicorn_listens_on(services: dict) -> None:
    targets = []
    for port in services["web"].get("ports", []):
        if isinstance(port, dict):
            targets.append(str(port.get("target")))
        else:
            targets.append(str(port).rsplit(":", 1)[-1].split("/")[0])
    assert "8000" in targets


@pytest.mark.parametrize("name", WORKER_SERVICES)
def test_worker_runs_a_celery_worker_for_the_quizsite_app(services: dict, name: str) -> None:
    command = argv(services[name])
    assert Path(command[0]).name == "celery"
    assert "worker" in command
    assert celery_app_option(services[name]) == "quizsite"


def _queues(service: dict) -> set[str]:
    return {queue.strip() for value in option_values(argv(service), "--queues", "-Q") for queue in value.split(",")}


def test_every_queue_tasks_are_routed_to_is_consumed(services: dict) -> None:
    from django.conf import settings

    routed = {settings.CELERY_TASK_DEFAULT_QUEUE} | {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed == {"grading", "webhooks"}
    assert routed <= set().union(*(_queues(services[name]) for name in WORKER_SERVICES))


def test_grading_and_webhook_deliveries_have_workers_of_their_own(services: dict) -> None:
    # As the docs say: a slow webhook receiver never holds up grading.
    assert _queues(services["worker"]) == {"grading"}
    assert _queues(services["webhooks"]) == {"webhooks"}


def test_migrate_applies_migrations_before_syncing_content(services: dict) -> None:
    steps = shell_steps(services["migrate"])
    management = [step[step.index("manage.py") + 1 :] for step in steps if "manage.py" in step]
    subcommands = [step[0] for step in management if step]
    assert "migrate" in subcommands and "sync_content" in subcommands
    assert subcommands.index("migrate") < subcommands.index("sync_content")
    migrate_step = management[subcommands.index("migrate")]
    assert "--noinput" in migrate_step or "--no-input" in migrate_step, "migrate must not wait for a prompt"


def test_migrate_runs_once_and_waits_for_a_healthy_database(services: dict) -> None:
    migrate = services["migrate"]
    assert str(migrate.get("restart", "no")) == "no"
    assert dependency_conditions(migrate).get("postgres") == "service_healthy"


# Health checks ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LONG_RUNNING_SERVICES)
def test_long_running_service_has_a_healthcheck_command(services: dict, name: str) -> None:
    assert healthcheck_command(services[name]).strip()


def test_web_healthcheck_requests_readyz_from_gunicorn(services: dict) -> None:
    check = healthcheck_command(services["web"])
    assert re.search(r"https?://[^/\s'\"]+:8000/readyz\b", check), check


def test_web_healthcheck_host_is_an_allowed_host(services: dict) -> None:
    # Django answers 400 to a Host header outside ALLOWED_HOSTS, which would mark a working site unhealthy.
    host = re.search(r"https?://([^/:\s'\"]+)", healthcheck_command(services["web"])).group(1)
    allowed = [item.strip() for item in environment(services["web"])["ALLOWED_HOSTS"].split(",")]
    assert host in allowed


@pytest.mark.parametrize("name", WORKER_SERVICES)
def test_worker_healthcheck_pings_its_own_celery_node(services: dict, name: str) -> None:
    test = services[name]["healthcheck"]["test"]
    command = healthcheck_command(services[name])
    assert "inspect ping" in " ".join(command.split())
    assert re.search(r"(-A|--app)[ =]quizsite\b", command)
    # The variable must reach the container's shell: CMD-SHELL, and $$ so Compose does not substitute the
    # host's HOSTNAME while parsing the file.
    assert isinstance(test, str) or test[0] == "CMD-SHELL"
    assert re.search(r"(-d|--destination)[ =]celery@\$\$HOSTNAME\b", command), command


def test_postgres_healthcheck_asks_pg_isready_about_the_app_database(services: dict) -> None:
    command = healthcheck_command(services["postgres"])
    assert "pg_isready" in command
    env = environment(services["postgres"])
    assert re.search(rf"(-U|--username)[ =]{re.escape(env['POSTGRES_USER'])}\b", command)


def test_redis_healthcheck_pings_redis(services: dict) -> None:
    assert " ".join(healthcheck_command(services["redis"]).split()) == "redis-cli ping"


# Configuration ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_database_url_points_at_the_postgres_service(services: dict, name: str) -> None:
    url = urlsplit(environment(services[name])["DATABASE_URL"])
    postgres_env = environment(services["postgres"])
    assert url.scheme in {"postgres", "postgresql", "pgsql"}
    assert url.hostname == "postgres"
    assert url.port in {None, 5432}
    assert url.path.lstrip("/") == postgres_env["POSTGRES_DB"]
    assert url.username == postgres_env["POSTGRES_USER"]
    assert url.password == postgres_env["POSTGRES_PASSWORD"]


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_celery_broker_url_points_at_the_redis_service(services: dict, name: str) -> None:
    url = urlsplit(environment(services[name])["CELERY_BROKER_URL"])
    assert url.scheme == "redis"
    assert url.hostname == "redis"
    assert url.port in {None, 6379}


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_every_process_shares_one_cache_on_the_redis_service(services: dict, name: str) -> None:
    # Rate limits count in the cache: one per process would multiply every limit by the processes.
    cache = urlsplit(environment(services[name]).get("CACHE_URL", ""))
    broker = urlsplit(environment(services[name])["CELERY_BROKER_URL"])
    assert (cache.scheme, cache.hostname, cache.port in {None, 6379}) == ("redis", "redis", True)
    assert cache.path != broker.path, "the cache and the broker use different Redis databases"


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_secret_key_must_be_supplied_to_start_the_stack(services: dict, name: str) -> None:
    # ${VAR:?message} makes `docker compose` stop with the message instead of starting with an empty key.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", str(environment(services[name])["SECRET_KEY"]))


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_debug_is_off(services: dict, name: str) -> None:
    debug = environment(services[name]).get("DEBUG")
    assert debug is False or str(debug).strip().lower() in FALSY_STRINGS


def test_worker_sandbox_is_isolated(services: dict) -> None:
    assert environment(services["worker"]).get("GRADER_SANDBOX", "isolated") == "isolated"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_waits_for_healthy_backends_and_finished_migrations(services: dict, name: str) -> None:
    conditions = dependency_conditions(services[name])
    assert conditions.get("postgres") == "service_healthy"
    assert conditions.get("redis") == "service_healthy"
    assert conditions.get("migrate") == "service_completed_successfully"


def test_postgres_data_lives_on_a_named_volume(compose: dict, services: dict) -> None:
    named_volumes = set(compose.get("volumes") or {})
    sources = []
    for volume in services["postgres"].get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("target") == "/var/lib/postgresql/data":
                sources.append(volume.get("source"))
        else:
            source, _, rest = volume.partition(":")
            if rest.split(":")[0] == "/var/lib/postgresql/data":
                sources.append(source)
    assert sources and sources[0] in named_volumes


@pytest.mark.parametrize("name", ["postgres", "redis"])
def test_upstream_images_are_pinned_to_a_major_version(services: dict, name: str) -> None:
    image = services[name].get("image")
    assert image, f"{name} has no image"
    tag = image_tag(image)
    assert tag is not None, f"{image} is untagged (that means :latest)"
    assert re.match(r"\d+(\D|$)", tag), f"{image} is not pinned to a version"


def test_no_service_uses_a_latest_or_untagged_image(services: dict) -> None:
    for name, service in services.items():
        image = service.get("image")
        if image is None:
            assert "build" in service, f"{name} has neither an image nor a build"
            continue
        tag = image_tag(image)
        assert tag not in {None, "latest"}, f"{name} uses {image}"


# Privileges ------------------------------------------------------------------------------------------------


def test_worker_builds_its_sandbox_rootless_without_any_capability(services: dict) -> None:
    worker = services["worker"]
    security = {option.replace(":", "=", 1) for option in worker.get("security_opt", [])}
    # Docker's default profiles refuse unshare, mount and pivot_root, which the sandbox needs.
    assert {"seccomp=unconfined", "apparmor=unconfined"} <= security
    assert not worker.get("cap_add")
    assert str(worker.get("user")) not in {"root", "0", "0:0", "root:root"}


def test_the_root_sandbox_override_gives_the_worker_root_and_cap_sys_admin_only() -> None:
    override = yaml.safe_load(ROOT_SANDBOX_FILE.read_text(encoding="utf-8"))["services"]
    assert set(override) == {"worker"}
    assert str(override["worker"]["user"]) == "root"
    assert {cap.upper().removeprefix("CAP_") for cap in override["worker"]["cap_add"]} == {"SYS_ADMIN"}


@pytest.mark.parametrize("name", ["web", "webhooks", "migrate", "postgres", "redis"])
def test_only_the_worker_gets_sandbox_privileges(services: dict, name: str) -> None:
    service = services[name]
    assert not service.get("cap_add")
    assert not any("unconfined" in option for option in service.get("security_opt", []))


def test_no_service_runs_fully_privileged(services: dict) -> None:
    assert not [name for name, service in services.items() if service.get("privileged")]


@pytest.mark.parametrize("name", WORKER_SERVICES)
def test_workers_publish_no_ports(services: dict, name: str) -> None:
    assert not services[name].get("ports")


# Dockerfile ------------------------------------------------------------------------------------------------


def test_dockerfile_base_image_is_python_3_11(dockerfile: list) -> None:
    bases = [arguments.split()[0] for keyword, arguments in dockerfile if keyword == "FROM"]
    assert bases, "no FROM instruction"
    assert re.fullmatch(r"(docker\.io/)?(library/)?python:3\.11([.-].*)?", bases[-1]), bases[-1]


def test_dockerfile_installs_requirements_with_the_cpu_wheel_index(dockerfile: list) -> None:
    installs = [
        shlex.split(arguments)
        for keyword, arguments in dockerfile
        if keyword == "RUN" and re.search(r"\bpip3? install\b", arguments) and "requirements.txt" in arguments
    ]
    assert installs, "no RUN pip install ... requirements.txt"
    command = installs[0]
    assert "requirements.txt" in option_values(command, "--requirement", "-r")
    indexes = option_values(command, "--extra-index-url") + option_values(command, "--index-url", "-i")
    assert "https://download.pytorch.org/whl/cpu" in [index.rstrip("/") for index in indexes]


def test_requirements_pin_the_torch_the_cpu_index_provides() -> None:
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert re.search(r"^torch==\d+(\.\d+)*\s*$", requirements, re.MULTILINE)


def test_dockerfile_collects_static_files_at_build_time(dockerfile: list) -> None:
    runs = [arguments for keyword, arguments in dockerfile if keyword == "RUN"]
    assert any(re.search(r"manage\.py collectstatic\b.*--no-?input", run) for run in runs)


def test_dockerfile_does_not_bake_a_secret_key_into_the_runtime_environment(dockerfile: list) -> None:
    env_lines = [arguments for keyword, arguments in dockerfile if keyword == "ENV"]
    assert not [line for line in env_lines if re.search(r"(^|\s)SECRET_KEY(_FILE)?[=\s]", line)]


def test_dockerfile_serves_gunicorn_on_port_8000_by_default(dockerfile: list) -> None:
    cmds = [arguments for keyword, arguments in dockerfile if keyword == "CMD"]
    assert cmds, "no CMD instruction"
    command = json.loads(cmds[-1])  # exec form, so gunicorn is PID 1 and receives SIGTERM
    assert Path(command[0]).name == "gunicorn"
    assert gunicorn_app(command) == "quizsite.wsgi:application"
    assert option_values(command, "--bind", "-b") == ["0.0.0.0:8000"]
    assert _threads(command) >= 8
    exposed = [
        port.split("/")[0] for keyword, arguments in dockerfile if keyword == "EXPOSE" for port in arguments.split()
    ]
    assert "8000" in exposed


@pytest.mark.parametrize("entry", [".venv", "var", ".git", "staticfiles", "__pycache__", ".pytest_cache"])
def test_dockerignore_keeps_local_state_out_of_the_image(entry: str) -> None:
    patterns = {
        line.strip().strip("/").removeprefix("**/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert entry in patterns


# Modules the commands refer to -----------------------------------------------------------------------------


def test_gunicorn_application_object_exists(services: dict) -> None:
    module, _, variable = gunicorn_app(argv(services["web"])).partition(":")
    path = module_file(module)
    assert path is not None, f"{module} not found in the repository"
    assert variable in assigned_names(path)


def test_celery_app_module_exists(services: dict) -> None:
    # `celery -A quizsite` uses quizsite.app / quizsite.celery, or else the submodule quizsite.celery.
    package = celery_app_option(services["worker"])
    assert module_file(package) is not None, f"{package} not found in the repository"
    celery_module = module_file(f"{package}.celery")
    assert celery_module is not None, f"{package}/celery.py not found"
    assert "app" in assigned_names(celery_module)


def test_management_commands_run_by_compose_exist(services: dict) -> None:
    assert (ROOT / "manage.py").is_file()
    builtin = {"migrate", "collectstatic"}
    for step in shell_steps(services["migrate"]):
        if "manage.py" not in step:
            continue
        name = step[step.index("manage.py") + 1]
        if name in builtin:
            continue
        found = [
            path
            for top in ROOT.iterdir()
            if top.is_dir() and not top.name.startswith(".")
            for path in top.glob(f"**/management/commands/{name}.py")
        ]
        assert found, f"no management command {name!r} in the repository"


def test_a_single_beat_service_schedules_the_sweeper(services: dict) -> None:
    schedulers = [name for name, spec in services.items() if "beat" in str(spec.get("command", ""))]
    assert schedulers == ["beat"]
    command = services["beat"]["command"]
    assert command[:4] == ["celery", "-A", "quizsite", "beat"]


def _seconds(duration: str) -> int:
    """A Compose duration such as ``2m`` or ``90s`` in seconds."""
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert match and duration, duration
    return int(match[1] or 0) * 60 + int(match[2] or 0)


@pytest.mark.parametrize("name", WORKER_SERVICES)
def test_worker_is_given_longer_to_stop_than_any_task_may_run(services: dict, name: str) -> None:
    from django.conf import settings

    # docker stop sends SIGTERM, then SIGKILL after the grace period; a warm shutdown needs up to the
    # task time limit to let the gradings (or deliveries) in progress finish.
    assert _seconds(services[name]["stop_grace_period"]) > settings.CELERY_TASK_TIME_LIMIT
