"""The first lines of a script that runs xlwings' own Windows-side code on Linux: the
pywin32 modules it imports are stubbed, and the classic decorators record metadata."""

PREAMBLE = '''
import sys, types
for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
    sys.modules[name] = types.ModuleType(name)
sys.modules["pythoncom"].CoInitialize = lambda: None
sys.modules["pywintypes"].com_error = Exception
sys.modules["win32com.client"].Dispatch = lambda obj: obj
import xlwings, xlwings.udfs as udfs
xlwings.func, xlwings.sub, xlwings.arg, xlwings.ret = udfs.xlfunc, udfs.xlsub, udfs.xlarg, udfs.xlret
'''
