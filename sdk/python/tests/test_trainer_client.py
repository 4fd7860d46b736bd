"""trainer_client's own tests (standard library only): `python3 -m unittest discover -s sdk/python/tests`.

Each case runs a small script in a fresh interpreter, with the environment the agent gives a run (or
none), and reads what it printed: that is all the agent sees of it.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

SDK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_script(source, env=None, supervised=True, timeout=30):
    output_dir = tempfile.mkdtemp(prefix="trainer-client-test-")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRAINER_") and key not in ("RANK", "LOCAL_RANK")}
    environment["PYTHONPATH"] = SDK_DIR
    if supervised:
        environment.update(TRAINER_SUPERVISED="1", TRAINER_RUN_ID="sess_0123456789ab", TRAINER_OUTPUT_DIR=output_dir)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(source)], env=environment, cwd=output_dir, capture_output=True, text=True, timeout=timeout)


def json_lines(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


class UnderTheAgent(unittest.TestCase):
    def test_log_prints_one_json_line_per_call_with_epoch_and_step(self):
        result = run_script(
            """
            import math, trainer_client as tc
            tc.log({"loss": 0.5, "acc": 1}, epoch=1)
            tc.log({"lr": 1e-3, "bad": math.nan}, step=7, epoch=2)
            print(tc.run_id())
            """
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        # a bare NaN, as Python's json prints it: the agent's parser keeps it as "NaN"
        self.assertEqual(result.stdout.splitlines(), ['{"epoch": 1, "loss": 0.5, "acc": 1}', '{"epoch": 2, "step": 7, "lr": 0.001, "bad": NaN}', "sess_0123456789ab"])

    def test_log_refuses_what_is_not_a_number_and_bad_epochs(self):
        result = run_script(
            """
            import trainer_client as tc
            for call in (lambda: tc.log({"loss": "high"}), lambda: tc.log({}), lambda: tc.log({"loss": 1}, epoch=1.5), lambda: tc.log({"loss": 1}, step=-1)):
                try:
                    call()
                    print("accepted")
                except (TypeError, ValueError) as error:
                    print("refused", type(error).__name__)
            """
        )
        self.assertEqual(result.stdout.split("\n")[:4], ["refused TypeError", "refused TypeError", "refused ValueError", "refused ValueError"])

    def test_checkpoint_prints_the_path_relative_to_the_output_dir_and_refuses_one_outside_it(self):
        result = run_script(
            """
            import os, trainer_client as tc
            os.makedirs("ckpt")
            tc.checkpoint("ckpt/epoch-3.pt", epoch=3, metrics={"val_loss": 0.25})
            tc.checkpoint(os.path.join(os.environ["TRAINER_OUTPUT_DIR"], "ckpt", "abs.pt"))
            for bad in ("../escape.pt", "/etc/passwd", "."):
                try:
                    tc.checkpoint(bad)
                    print("accepted", bad)
                except ValueError:
                    print("refused", bad)
            """
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json_lines(result.stdout), [{"checkpoint": "ckpt/epoch-3.pt", "epoch": 3, "metrics": {"val_loss": 0.25}}, {"checkpoint": "ckpt/abs.pt"}])
        self.assertEqual([line for line in result.stdout.splitlines() if not line.startswith("{")], ["refused ../escape.pt", "refused /etc/passwd", "refused ."])

    def test_only_rank_zero_reports_unless_told_otherwise(self):
        source = """
            import trainer_client as tc
            tc.log({"loss": 1.0}, epoch=1)
            tc.checkpoint("a.pt")
            """
        for env, expected in (({"RANK": "1", "LOCAL_RANK": "1"}, 0), ({"RANK": "2", "LOCAL_RANK": "0"}, 0), ({"RANK": "0", "LOCAL_RANK": "0"}, 2), ({"RANK": "1", "TRAINER_ALL_RANKS": "1"}, 2)):
            with self.subTest(env=env):
                self.assertEqual(len(json_lines(run_script(source, env=env).stdout)), expected)

    def test_resume_from_names_the_checkpoint_of_a_retried_run(self):
        source = "import trainer_client as tc; print(tc.resume_from())"
        self.assertEqual(run_script(source).stdout.strip(), "None")
        self.assertEqual(run_script(source, env={"TRAINER_RESUME_FROM": "/data/ckpt/epoch-2.pt"}).stdout.strip(), "/data/ckpt/epoch-2.pt")

    def test_stop_requested_turns_the_stop_signal_into_a_flag(self):
        for name in ("SIGTERM", "SIGINT"):
            with self.subTest(signal=name):
                result = run_script(
                    """
                    import os, signal, time, trainer_client as tc
                    print(tc.stop_requested(), flush=True)
                    os.kill(os.getpid(), getattr(signal, os.environ["TRAINER_STOP_SIGNAL"]))
                    time.sleep(0.1)
                    print(tc.stop_requested())
                    """,
                    env={"TRAINER_STOP_SIGNAL": name},
                )
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout.split(), ["False", "True"])

    def test_a_script_that_never_asks_is_ended_by_the_signal_as_usual(self):
        result = run_script(
            """
            import os, signal, time, trainer_client as tc
            tc.log({"loss": 1.0})
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
            print("survived")
            """
        )
        self.assertEqual(result.returncode, -signal.SIGTERM)
        self.assertNotIn("survived", result.stdout)


class OutsideAnyAgent(unittest.TestCase):
    def test_everything_is_a_no_op_without_an_agent_or_a_tracking_run(self):
        result = run_script(
            """
            import trainer_client as tc
            tc.log({"loss": 1.0}, epoch=1)
            tc.checkpoint("a.pt")
            tc.flush()
            print(tc.run_id(), tc.resume_from(), tc.stop_requested())
            """,
            supervised=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "None None False")

    def test_api_errors_carry_the_detail(self):
        result = run_script(
            """
            import trainer_client as tc
            try:
                tc.Client("http://127.0.0.1:9", "k", timeout=2).status("sess_0123456789ab")
            except OSError as error:
                print("unreachable", type(error).__name__)
            error = tc.TrainerError(404, "Session not found")
            print(error.status, error.detail, str(error))
            """,
            supervised=False,
        )
        self.assertEqual(result.stdout.splitlines(), ["unreachable URLError", "404 Session not found HTTP 404: Session not found"])


if __name__ == "__main__":
    unittest.main()
