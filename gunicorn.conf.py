"""gunicorn reads this file from the directory it starts in (the repository): its access
log, when one is asked for (``--access-logfile -``), leaves out query strings, referrers,
voucher codes and tokens (see voucher/access_log.py)."""

logger_class = "voucher.access_log.RedactingLogger"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms "%(a)s"'
