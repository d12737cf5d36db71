#!/usr/bin/env sh
# Regenerates requirements/test.txt, the versions the test suite (and its snapshots) were
# accepted with. Run from the repository root, then run the whole suite: a refresh may change
# snapshots (a new Textual, Rich or Pygments draws differently); look at each changed one as a
# picture before accepting it (README: "Set up").
#
# torch and the CUDA packages that come with it are left out: the test environment takes the
# machine's torch (CI installs the CPU build 2.13.0 first), as a GPU box keeps its own.
set -eu
exec uv pip compile pyproject.toml --extra test --universal --python-version 3.10 \
    --no-emit-package torch \
    --no-emit-package cuda-bindings \
    --no-emit-package cuda-pathfinder \
    --no-emit-package cuda-toolkit \
    --no-emit-package nvidia-cublas \
    --no-emit-package nvidia-cuda-cccl \
    --no-emit-package nvidia-cuda-cupti \
    --no-emit-package nvidia-cuda-nvrtc \
    --no-emit-package nvidia-cuda-runtime \
    --no-emit-package nvidia-cudnn-cu13 \
    --no-emit-package nvidia-cufft \
    --no-emit-package nvidia-cufile \
    --no-emit-package nvidia-curand \
    --no-emit-package nvidia-cusolver \
    --no-emit-package nvidia-cusparse \
    --no-emit-package nvidia-cusparselt-cu13 \
    --no-emit-package nvidia-nccl-cu13 \
    --no-emit-package nvidia-nvjitlink \
    --no-emit-package nvidia-nvshmem-cu13 \
    --no-emit-package nvidia-nvtx \
    --no-emit-package triton \
    --custom-compile-command "sh requirements/compile.sh" -o requirements/test.txt "$@"
