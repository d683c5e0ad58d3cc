# Two entry points, each doing all of its own set-up on a fresh machine (idempotent):
#   make run    extract the seeds with the embedded model, reconcile them, print the deals
#   make test   lint and format check (ruff), then the test suite (cassette replay, loopback fakes, one live
#               run of the embedded model)
VENV   ?= .venv
PYTHON ?= python3
STAMP  := $(VENV)/.installed
# llama.cpp is built for a portable x86-64 target (AVX2/FMA/F16C) instead of -march=native: a native build on
# a CPU with AMX (Xeon Sapphire Rapids and later, as some of these machines are) crashes with a segmentation
# fault on the first prompt of more than one token. The flags are ignored on other architectures.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: run test lock clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	# llama-cpp-python compiles llama.cpp from source the first time (about 7 minutes on 2 cores; cached after).
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(VENV)/bin/python -m pip install --quiet --constraint requirements.lock --editable ".[local,html,spark,frames,test]"
	touch $(STAMP)

run: $(STAMP)
	mkdir -p out
	$(VENV)/bin/fdi-extract extract seeds --no-table --output out/seeds.mentions.jsonl --stats out/seeds.stats.jsonl
	rm -f out/seeds/mentions.jsonl  # a fresh reconciliation of this run, not an increment on the last one
	$(VENV)/bin/fdi-extract reconcile out/seeds.mentions.jsonl --out out/seeds

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/python -m pytest --block-network

# Re-pin every dependency to what is installed now.
lock: $(STAMP)
	$(VENV)/bin/python -m pip freeze --exclude-editable | grep -v '^-e ' \
		| sed -E 's#^([A-Za-z0-9_.-]+) @ file://.*/[^/]*-([0-9][^-]*)-py3.*#\1==\2#' > requirements.lock

clean:
	rm -rf $(VENV) out
