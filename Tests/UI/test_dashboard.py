#!/usr/bin/env python3
"""git kitty dashboard in a real browser: headless Chromium driven by Selenium (make test-ui).

Builds the demo mission (scripts/demo.sh), serves it with `git kitty dashboard`, and checks as a person would:
the board shows every WP in its lane's column; a transition made with `git kitty orchestrator-api` moves a card
without a reload within a second; the log view follows a growing log. Screenshots of the board, the dependency
graph and a WP page are saved to $UI_ARTIFACTS (default .build/ui-artifacts).
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(REPO, ".build/debug/git-kitty")
ARTIFACTS = os.environ.get("UI_ARTIFACTS", os.path.join(REPO, ".build/ui-artifacts"))
POLICY = ('{"orchestrator_id": "ui-test", "orchestrator_version": "0.1.0", "agent_family": "human", '
          '"approval_mode": "manual", "sandbox_mode": "none", "network_mode": "inherited", "dangerous_flags": []}')


def run(args, cwd, env=None):
    env = dict(env or os.environ)
    env["PATH"] = os.path.dirname(BIN) + os.pathsep + env.get("PATH", "")
    return subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True, text=True)


class DashboardInABrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="kitty-ui-")
        cls.demo = os.path.join(cls.scratch, "demo")
        run(["bash", os.path.join(REPO, "scripts/demo.sh")], cwd=REPO,
            env=dict(os.environ, DEMO_DIR=cls.demo, GIT_KITTY_BIN=BIN))
        cls.slug = os.listdir(os.path.join(cls.demo, "kitty-specs"))[0]
        cls.server = subprocess.Popen([BIN, "dashboard", "--port", "0"], cwd=cls.demo, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, start_new_session=True)
        line = cls.server.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/\?token=[0-9a-f]+)", line)
        if not match:
            raise RuntimeError("the dashboard printed no URL: %r %s" % (line, cls.server.stderr.read()))
        cls.url = match.group(1)
        options = Options()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1440,900"):
            options.add_argument(flag)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        cls.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                                      options=options)
        os.makedirs(ARTIFACTS, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        os.killpg(cls.server.pid, signal.SIGTERM)
        cls.server.wait(timeout=10)
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def open(self, fragment):
        self.driver.get("about:blank")  # a fresh page load, not only a hash change
        self.driver.get(self.url + fragment)
        WebDriverWait(self.driver, 10).until(
            lambda d: d.find_element(By.ID, "live").text.endswith("live"))

    def click(self, selector):
        """Clicks the element, finding it again if the page redrew it meanwhile (a live update)."""
        WebDriverWait(self.driver, 5, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: d.find_element(By.CSS_SELECTOR, selector).click() or True)

    def cards(self):
        """WP id -> the lane of the column its card is in, read in one step (the board may be redrawn)."""
        return self.driver.execute_script(
            "const out = {}; document.querySelectorAll('.column .card').forEach((c) => "
            "{ out[c.dataset.wp] = c.closest('section').dataset.lane; }); return out;")

    def test_1_the_board_shows_every_wp_in_its_lane(self):
        self.open("#/m/" + self.slug)
        WebDriverWait(self.driver, 10).until(lambda d: len(self.cards()) == 6)
        self.assertEqual(self.cards(), {"WP0%d" % n: "done" for n in range(1, 7)})
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "board.png"))
        self.click('.tabs button[data-tab="graph"]')
        WebDriverWait(self.driver, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".graph svg .node"))
        nodes = self.driver.find_elements(By.CSS_SELECTOR, ".graph svg .node")
        edges = self.driver.find_elements(By.CSS_SELECTOR, ".graph svg path.edge")
        self.assertEqual(len(nodes), 6)
        self.assertEqual(len(edges), 6)  # WP02<-01, WP03<-01, WP04<-02, WP05<-03, WP06<-04, WP06<-05
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "graph.png"))
        self.click('.tabs button[data-tab="board"]')

    def test_2_a_transition_moves_a_card_without_a_reload(self):
        # A second mission with two planned WPs, next to the demo's.
        slug = run([BIN, "mission", "new", "moves"], cwd=self.demo).stdout.strip()
        tasks = os.path.join(self.demo, "kitty-specs", slug, "tasks")
        for wp, deps in (("WP01", ""), ("WP02", "WP01")):
            with open(os.path.join(tasks, wp + "-step.md"), "w") as f:
                f.write("---\nwork_package_id: %s\ntitle: Step %s\ndependencies: [%s]\nsubtasks: []\n"
                        "execution_mode: code_change\nowned_files:\n- %s.txt\n---\n\n# %s\n" % (wp, wp, deps, wp, wp))
        run(["git", "add", "-A"], cwd=self.demo)
        run(["git", "commit", "-qm", "moves mission"], cwd=self.demo)
        run([BIN, "mission", "finalize", slug], cwd=self.demo)
        self.open("#/m/" + slug)
        WebDriverWait(self.driver, 10).until(lambda d: self.cards().get("WP01") == "planned")
        self.driver.execute_script("window.__notReloaded = true;")
        run([BIN, "orchestrator-api", "start-implementation", "--mission", slug, "--wp", "WP01", "--actor",
             "ui-test", "--policy", POLICY], cwd=self.demo)
        moved = time.monotonic()
        WebDriverWait(self.driver, 1.0, poll_frequency=0.05).until(
            lambda d: self.cards().get("WP01") == "in_progress")
        elapsed = time.monotonic() - moved
        self.assertTrue(self.driver.execute_script("return window.__notReloaded === true;"), "the page reloaded")
        self.assertLess(elapsed, 1.0)
        print("card moved %.0f ms after the transition" % (elapsed * 1000), file=sys.stderr)

    def test_3_the_log_view_follows_a_growing_log(self):
        log = os.path.join(self.demo, ".kittify/logs", self.slug, "WP03", "implementation-1.log")
        self.open("#/m/%s/wp/WP03" % self.slug)
        WebDriverWait(self.driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".review"))
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "wp-page.png"))
        self.click('.tabs button[data-tab="logs"]')
        WebDriverWait(self.driver, 5).until(lambda d: d.find_element(By.ID, "logname"))
        self.click('#logname option[value="implementation-1.log"]')
        WebDriverWait(self.driver, 5).until(lambda d: d.find_element(By.ID, "log").text.strip())
        for n in range(3):
            marker = "growing line %d %f" % (n, time.time())
            with open(log, "a") as f:
                f.write(marker + "\n")
            WebDriverWait(self.driver, 1.0, poll_frequency=0.05).until(
                lambda d: marker in d.find_element(By.ID, "log").text)
        self.driver.save_screenshot(os.path.join(ARTIFACTS, "wp-log.png"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=BIN)
    args, rest = parser.parse_known_args()
    BIN = os.path.abspath(args.bin)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
