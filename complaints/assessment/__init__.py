"""What a supervisor hands to the PEKPPP evaluation team (issue 20).

- ``pdf``: HTML to A4 PDF (WeasyPrint), reading nothing from the network.
- ``dossier``: the evidence dossier of a period and unit, in words for print;
  ``dossier_periods`` (month, quarter, semester, year, other dates),
  ``dossier_numbers`` (``NNN/<code>/<month>/<year>``, one report run each),
  ``dossier_views`` (``/staff/reports/dossier``, form, print page, PDF) and
  ``dossier_cli`` (``flask assessment dossier``).
"""
