# PySide6.QtWidgets as PyInstaller's own hook collects it, less what the kiosk does not
# ship (installer/bundle_policy.py), filtered before dependency analysis.
from bundle_policy import keep_hook_entries
from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = keep_hook_entries(binaries)
datas = keep_hook_entries(datas)
