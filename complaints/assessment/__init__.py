"""What a supervisor hands to the PEKPPP evaluation team (issue 20).

- ``pdf``: HTML to A4 PDF (WeasyPrint), reading nothing from the network.
"""
