@echo off
rem Starts batch-agent.exe from the folder this script is in (c:\batch\ on a baked image).
rem
rem Configuration, in this order of precedence:
rem   1. BATCH_* variables already set in the environment;
rem   2. agent.conf next to this script (or the file named by BATCH_AGENT_CONF): KEY=value lines,
rem      no quotes, no spaces around "=", "#" starts a comment line; only BATCH_* keys are read;
rem   3. defaults: BATCH_AGENT_DIR=<this folder>\data.
rem `batch-agent.exe --help` lists every variable.
rem
rem Everything goes to a log a human can read when the node never shows up in `batchctl nodes`:
rem <this folder>\logs\agent.log (BATCH_AGENT_LOG). Each start writes a header with the
rem configuration it resolved (never the token itself), then the agent's own lines, then how it
rem exited. Runs the agent once and exits with its exit code; the scheduled task that
rem install-windows.ps1 registers starts it again.
setlocal EnableExtensions DisableDelayedExpansion

set "HERE=%~dp0"
set "AGENT=%HERE%batch-agent.exe"
if not defined BATCH_AGENT_CONF set "BATCH_AGENT_CONF=%HERE%agent.conf"

set "CONF_STATE=missing"
if exist "%BATCH_AGENT_CONF%" (
  set "CONF_STATE=read"
  for /f "usebackq eol=# tokens=1,* delims==" %%A in ("%BATCH_AGENT_CONF%") do (
    set "CONF_KEY=%%A"
    set "CONF_VALUE=%%B"
    call :setting
  )
)
if not defined BATCH_AGENT_DIR set "BATCH_AGENT_DIR=%HERE%data"
if not defined BATCH_AGENT_LOG set "BATCH_AGENT_LOG=%HERE%logs\agent.log"

for %%F in ("%BATCH_AGENT_LOG%") do (
  if not exist "%%~dpF" mkdir "%%~dpF"
  rem keep one previous log, rotated at start once it passes 10 MiB
  if exist "%%~fF" if %%~zF GTR 10485760 move /y "%%~fF" "%%~fF.1" >nul
)
set "LOG=%BATCH_AGENT_LOG%"

>>"%LOG%" echo %DATE% %TIME% start_agent.cmd: starting "%AGENT%"
>>"%LOG%" echo %DATE% %TIME% start_agent.cmd: config file "%BATCH_AGENT_CONF%": %CONF_STATE%
if defined BATCH_CONTROLLER_URL (
  >>"%LOG%" echo %DATE% %TIME% start_agent.cmd: controller: "%BATCH_CONTROLLER_URL%"
) else (
  >>"%LOG%" echo %DATE% %TIME% start_agent.cmd: controller: NOT SET ^(set BATCH_CONTROLLER_URL in agent.conf^)
)
if exist "%BATCH_AGENT_DIR%\node.json" (
  >>"%LOG%" echo %DATE% %TIME% start_agent.cmd: node credential: "%BATCH_AGENT_DIR%\node.json" ^(this node registered before^)
) else if defined BATCH_REGISTRATION_TOKEN (
  >>"%LOG%" echo %DATE% %TIME% start_agent.cmd: node credential: none yet; registering with the registration token ^(not shown^)
) else (
  >>"%LOG%" echo %DATE% %TIME% start_agent.cmd: node credential: none, and no BATCH_REGISTRATION_TOKEN: the agent cannot register
)
>>"%LOG%" echo %DATE% %TIME% start_agent.cmd: agent dir: "%BATCH_AGENT_DIR%"; labels: "%BATCH_NODE_LABELS%"; name: "%BATCH_NODE_NAME%"

if not exist "%AGENT%" (
  >>"%LOG%" echo %DATE% %TIME% start_agent.cmd: cannot start: "%AGENT%" is missing
  exit /b 1
)
"%AGENT%" >>"%LOG%" 2>&1
set "RC=%ERRORLEVEL%"
set "MEANING=internal error or killed"
if "%RC%"=="0" set "MEANING=stopped"
if "%RC%"=="2" set "MEANING=bad configuration, see the lines above"
if "%RC%"=="3" set "MEANING=refused by the controller, see the lines above"
>>"%LOG%" echo %DATE% %TIME% start_agent.cmd: batch-agent.exe exited with code %RC% ^(%MEANING%^)
exit /b %RC%

rem One line of agent.conf, in CONF_KEY and CONF_VALUE: only BATCH_ keys, and the environment wins.
rem %CONF_VALUE% is expanded once and not parsed again, so "&", "|" or "%" in a value stay literal.
:setting
if /i not "%CONF_KEY:~0,6%"=="BATCH_" goto :eof
if defined %CONF_KEY% goto :eof
set "%CONF_KEY%=%CONF_VALUE%"
goto :eof
