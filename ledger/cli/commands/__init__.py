"""The CLI's commands, one module per group of verbs; each module lists its commands in ``COMMANDS``.

:mod:`~ledger.cli.commands.setup` (init, keys, subjects), :mod:`~ledger.cli.commands.gov` (committee,
issuers, types), :mod:`~ledger.cli.commands.contrib` (contributions), :mod:`~ledger.cli.commands.importing`
(``contrib import``), :mod:`~ledger.cli.commands.link` (handle links), :mod:`~ledger.cli.commands.report`
(contribution reports), :mod:`~ledger.cli.commands.cred`
(issuance, status, verification), :mod:`~ledger.cli.commands.audit` (index, queries, audits),
:mod:`~ledger.cli.commands.demo` (the end-to-end story), :mod:`~ledger.cli.commands.node` (a local FISCO
BCOS-compatible node). A command parses, makes one library call and
renders; the library is imported inside the command, so that ``ledger --help`` stays fast.
"""
