Attribute VB_Name = "Ribbon"
' Callbacks of the TTHC ribbon tab (udfs/addin/src/ribbon.xml).
' Each button runs one function of udfs.macros through xlwings' RunPython:
' the logic lives in Python, this module only dispatches.
' Keep this file ASCII: write Vietnamese text with ChrW().
Option Explicit

Private Function NoWorkbook() As Boolean
    ' RunPython reads ActiveWorkbook, which is Nothing when no workbook is open.
    NoWorkbook = ActiveWorkbook Is Nothing
    If NoWorkbook Then
        MsgBox "H" & ChrW(227) & "y m" & ChrW(7903) & " ho" & ChrW(7863) & "c t" & ChrW(7841) & "o m" & ChrW(7897) & "t s" & ChrW(7893) & " t" & ChrW(237) & "nh tr" & ChrW(432) & ChrW(7899) & "c khi d" & ChrW(249) & "ng th" & ChrW(7867) & " TTHC.", vbExclamation, "TTHC"
    End If
End Function

Public Sub OnRecompute(control As IRibbonControl)
    If NoWorkbook() Then Exit Sub
    RunPython "import udfs.macros; udfs.macros.recompute()"
End Sub

Public Sub OnCheck(control As IRibbonControl)
    If NoWorkbook() Then Exit Sub
    RunPython "import udfs.macros; udfs.macros.check()"
End Sub

Public Sub OnClearMarks(control As IRibbonControl)
    If NoWorkbook() Then Exit Sub
    RunPython "import udfs.macros; udfs.macros.clear_marks()"
End Sub

Public Sub OnConsolidate(control As IRibbonControl)
    If NoWorkbook() Then Exit Sub
    RunPython "import udfs.macros; udfs.macros.consolidate()"
End Sub

Public Sub OnInsertTemplate(control As IRibbonControl)
    If NoWorkbook() Then Exit Sub
    RunPython "import udfs.macros; udfs.macros.insert_template()"
End Sub

Public Sub OnNarrative(control As IRibbonControl)
    If NoWorkbook() Then Exit Sub
    RunPython "import udfs.macros; udfs.macros.narrative()"
End Sub

Public Sub OnAbout(control As IRibbonControl)
    If NoWorkbook() Then Exit Sub
    RunPython "import udfs.macros; udfs.macros.about()"
End Sub
