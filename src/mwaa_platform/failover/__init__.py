"""Multi-region failover: health evaluation, failover state, the steps, the state machine and the runbook.

The Step Functions workflow (``statemachine.py`` -> Lambda handlers in ``handlers.py``) and the runbook CLI
(``runbook.py`` / ``cli.py``) run the same step functions (``steps.py``: the workflows; one
``steps_<phase>.py`` per phase, on the types of ``step_types.py``) through the same runner
(``runner.py``), which records every step in the failover state table (``state.py``) so a step never runs
twice for one operation and an interrupted operation can be resumed. Only boto3 is needed at run time.
"""
