#!/usr/bin/env bash
# The peer interpreter for benchmarks/deep_retrieval.py: pytorch-metric-learning 2.9.0 in a venv
# of its own, so that its torch and its dependencies never meet mlearn's. torch 2.13.0 (the CPU
# build mlearn is tested with) is installed first: pytorch-metric-learning asks for an open
# "torch >= 1.6", which pip would otherwise satisfy with the newest CUDA build (several GB).
#   usage: bash benchmarks/make-pml-venv.sh [DIR]     (default DIR: .pml-venv, git-ignored)
#   then:  python benchmarks/deep_retrieval.py --pml-python DIR/bin/python ...
set -eu
dir=${1:-.pml-venv}
[ -x "$dir/bin/python" ] || python3 -m venv "$dir"
"$dir/bin/pip" install -q "torch==2.13.0"
"$dir/bin/pip" install -q "pytorch-metric-learning==2.9.0" numpy scikit-learn
"$dir/bin/python" - <<'PY'
import pytorch_metric_learning, torch
print(f"pml peer ready: pytorch-metric-learning {pytorch_metric_learning.__version__} on torch {torch.__version__}")
PY
