"""Mail: account messages (verification, password reset, e-mail change) sent by a job through SMTP.

`smtp` is the seam to the transport (the standard library's smtplib, or the log in development), `messages`
renders the templates, `tokens` issues and spends the one-time tokens the links carry, `job` is the
`send_mail` job a worker runs, and `outbox` is what request code calls to queue a message.
"""
