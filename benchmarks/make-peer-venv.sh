#!/usr/bin/env bash
# The peer interpreter for side-by-side benchmarks: metric-learn 0.7.0 in a venv of its own.
# metric-learn's latest release does not run on the scikit-learn mlearn needs (>= 1.8), so it
# gets scikit-learn 1.5.2 there, and benchmarks/run.py calls it as a separate process.
#   usage: bash benchmarks/make-peer-venv.sh [DIR]     (default DIR: .peer-venv, git-ignored)
#   then:  python benchmarks/run.py --peer-python DIR/bin/python ...
set -eu
dir=${1:-.peer-venv}
[ -x "$dir/bin/python" ] || python3 -m venv "$dir"
"$dir/bin/pip" install -q "scikit-learn==1.5.2" "metric-learn==0.7.0" threadpoolctl numpy
"$dir/bin/python" - <<'PY'
import metric_learn, sklearn
print(f"peer ready: metric-learn {metric_learn.__version__} on scikit-learn {sklearn.__version__}")
PY
