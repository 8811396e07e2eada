"""The page a browser gets at `/` in token mode before it has the cookie."""

LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hostwatch: sign in</title>
<style>
:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{display:grid;place-items:center;min-height:100vh;margin:0}
form{display:grid;gap:.75rem;padding:2rem;border:1px solid #8884;border-radius:.75rem;max-width:22rem}
input,button{font:inherit;padding:.5rem .75rem;border-radius:.5rem;border:1px solid #8888}
button{cursor:pointer}
</style></head>
<body><form method="get" action="/" id="login">
<h1>hostwatch</h1>
<p>This dashboard needs its access token.</p>
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Open dashboard</button>
</form></body></html>
"""
