# Scalable AI Katas. `make help` lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
LESSON ?=

.PHONY: help setup practice test check test-solutions doctor hint images bench bench-feedback bench-capstone bench-partitions bench-ddp bench-tf mutants maintainer-tools report dashboard pin-tests record-stubs kubernetes clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup:  ## install everything the tests need (venv, packages, Docker engine, base images, serving model); quick when done
	@bash fixtures/provision/setup.sh

practice: setup  ## start practising: the first kata you have not solved, its task and its tests' verdict
	@$(VENV)/bin/kata next || true
	@echo; echo "The whole course and your progress: .venv/bin/kata list   ·   re-run at every save: .venv/bin/kata watch"

maintainer-tools: setup  # what make test and make mutants use beyond the course's own packages
	@bash fixtures/provision/maintainer-tools.sh

test: maintainer-tools  ## everything a maintainer or CI checks: the checker (stubs fail right, solutions pass) with the framework's tests beside it
	@$(PY) -m fixtures.course.check --with-framework $(if $(LESSON),--lesson $(LESSON))

check: setup  ## only the checker (LESSON=1.1 to limit it)
	@$(PY) -m fixtures.course.check $(if $(LESSON),--lesson $(LESSON))

test-solutions: setup  ## run every kata test against solutions/
	@$(PY) -m pytest --solutions katas

doctor: setup  ## what infrastructure this machine has, and how to get what is missing
	@$(VENV)/bin/kata doctor

hint:  ## a hint for a kata: make hint KATA=1.1.1 [LEVEL=2]
	@$(VENV)/bin/kata hint $(KATA) $(if $(LEVEL),--level $(LEVEL))

bench: setup  ## feedback-loop timings: how long a test run and the checker take
	@$(PY) -m fixtures.bench.loop

bench-feedback: setup  ## after a save: cold pytest vs warm `kata watch`, for a pure-Python and a Spark kata
	@$(PY) -m fixtures.bench.feedback

bench-capstone: setup  ## Capstone 1 at 5M rows on 1 and 2 workers: rows/s and scaling efficiency (SOLUTIONS=1 for the reference)
	@$(PY) -m fixtures.bench.capstone $(if $(SOLUTIONS),--solutions)

bench-partitions: setup  ## lesson 2.1's misconceptions measured: partitions vs time, collect() vs count(), cache
	@$(PY) -m fixtures.bench.partitions

bench-ddp: setup  ## lesson 2.2 measured: DDP samples/s on 1 and 2 cores, all_reduce time and bandwidth over gloo
	@$(PY) -m fixtures.bench.ddp

bench-tf: setup  ## Capstone 2 measured: TensorFlow start cost, samples/s on 1 and 2 workers, time lost to a lost cluster (SOLUTIONS=1 for the reference)
	@$(PY) -m fixtures.bench.tf_capstone $(if $(SOLUTIONS),--solutions)

mutants: maintainer-tools  ## mutation testing of solutions/, a kill ratio per kata and every survivor (LESSON=1.1 or KATA=1.1.3 to limit it)
	@$(PY) -m fixtures.course.mutants $(if $(LESSON),--lesson $(LESSON)) $(if $(KATA),--kata $(KATA))

report:  ## grade your work for a classroom: .kata/report/ (results.json, junit.xml); TARGET=2 or 2.1 to limit it
	@$(VENV)/bin/kata report $(TARGET)

dashboard:  ## one HTML page of a class's results: make dashboard RESULTS=folder [OUT=class.html]
	@$(VENV)/bin/kata dashboard $(or $(RESULTS),.kata/report) -o $(or $(OUT),class-dashboard.html)

pin-tests:  ## after changing tests or fixtures on purpose: record them as the graded ones (.github/classroom/tests.lock)
	@$(PY) -m fixtures.classroom.integrity pin

record-stubs:  ## after changing a stub on purpose: record katas/ as the originals `kata reset` restores
	@$(PY) -m fixtures.course.check --record-stubs

kubernetes:  ## containerd, CNI and the upstream Kubernetes binaries for the local cluster (built once, cached)
	@bash fixtures/provision/kubernetes.sh

images:  ## (re)build or pull the images the Docker lessons use (python:3.11-slim, haproxy:2.6)
	@bash fixtures/provision/docker-engine.sh && bash fixtures/provision/base-images.sh

clean:  ## remove the virtualenv and caches (your katas and .kata/ progress are untouched)
	rm -rf $(VENV) build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
