"""Kernels started by ``make lab`` (IPYTHONDIR points here).

TensorFlow's C++ runtime writes log lines straight to the process's stderr (oneDNN and CUDA
notices at import, ``NodeDef`` notices while training). With ``capture_fd_output`` off they go
to the terminal running JupyterLab instead of a pink block in every notebook; Python's own
warnings, errors and prints still show in the notebook as usual.
"""

c = get_config()  # noqa: F821  (provided by IPython when it loads this file)
c.IPKernelApp.capture_fd_output = False
