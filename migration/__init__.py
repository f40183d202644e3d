"""Migration: a koperasi's legacy books brought in from its spreadsheets (issue 9).

Two ideas a newcomer needs. Reading is pure and happens before any write: a workbook is read
through the one safe reader (:mod:`core.spreadsheet`), each sheet's table is found among its
title, total and note rows (:mod:`migration.table`), and every cell is normalised by
:mod:`migration.cells`, which turns anything a koperasi writes ("Rp 1.500.000,00", "(500.000)",
"22 Maret 2022", an Excel serial) into a value or a problem. Problems are data, never a first
exception: each names its sheet, row as the spreadsheet numbers it, column, code, message and
the original cell text, so a koperasi fixes its file once.
"""
