<#
.SYNOPSIS
Installs batch-agent on a Windows host: the c:\batch\ folder of a private image and a scheduled
task that starts the agent at boot as SYSTEM and starts it again when it has stopped.

.DESCRIPTION
Idempotent: run it again to upgrade the binary or change the configuration. Settings given as
parameters are written to c:\batch\agent.conf (readable by SYSTEM and Administrators only: it
holds the token); settings not given keep their value.

Why a scheduled task and not a service: batch-agent.exe is a console program, not a Windows
service, so a service needs a wrapper (WinSW, NSSM) - a third-party executable to ship in every
image, vet, sign and keep up to date. Task Scheduler is part of every Windows, runs the agent as
SYSTEM at boot before anyone logs on, and covers "restart on failure" with two settings: a
trigger that repeats every minute, and MultipleInstances=IgnoreNew, so a running agent is left
alone and a stopped one is started again within a minute. (Its own RestartOnFailure only covers
a task that failed to launch, not a program that exited with an error code.)

.EXAMPLE
powershell -ExecutionPolicy Bypass -File install-windows.ps1 -ControllerUrl https://batch.example:8080 -RegistrationToken reg_...
.EXAMPLE
powershell -ExecutionPolicy Bypass -File install-windows.ps1 -NoStart      # baking an image
.EXAMPLE
powershell -ExecutionPolicy Bypass -File install-windows.ps1 -Uninstall -Purge
#>
[CmdletBinding()]
param(
  # batch-agent.exe to install; default: next to this script
  [string]$Binary,
  [string]$ControllerUrl,
  [string]$RegistrationToken,
  [string]$Labels,
  [string]$Name,
  [string]$Prefix = 'C:\batch',
  # install and register, but start at the next boot only (baking an image)
  [switch]$NoStart,
  [switch]$Uninstall,
  # with -Uninstall: also remove agent.conf, logs and data
  [switch]$Purge,
  # is the folder ready to snapshot?
  [switch]$Check
)
$ErrorActionPreference = 'Stop'
$TaskName = 'batch-agent'
$Here = $PSScriptRoot

function Stop-Agent {
  if (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue) {
    Stop-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
  }
  # Stopping the task ends start_agent.cmd, not the agent it started; /T: the agent's instances too
  & taskkill.exe /F /T /IM batch-agent.exe 2>&1 | Out-Null
}

function Set-Conf([string]$Path, [hashtable]$Settings) {
  if (-not (Test-Path $Path)) {
    Set-Content -Path $Path -Encoding ASCII -Value @(
      '# batch-agent configuration, read by start_agent.cmd: KEY=value, no quotes.',
      "# Every key: $Prefix\batch-agent.exe --help. Variables set in the environment win.")
  }
  foreach ($key in $Settings.Keys) {
    $lines = @(Get-Content -Path $Path | Where-Object { $_ -notlike "$key=*" })
    $lines += "$key=$($Settings[$key])"
    Set-Content -Path $Path -Encoding ASCII -Value $lines
  }
  # SYSTEM and Administrators only
  & icacls.exe $Path /inheritance:r /grant:r 'SYSTEM:F' 'Administrators:F' | Out-Null
}

function Copy-IfChanged([string]$From, [string]$To) {
  if ((Test-Path $To) -and ((Get-FileHash $From).Hash -eq (Get-FileHash $To).Hash)) { return $false }
  Copy-Item -Path $From -Destination $To -Force
  return $true
}

function Install-Agent {
  if (-not $Binary) { $Binary = Join-Path $Here 'batch-agent.exe' }
  if (-not (Test-Path $Binary)) { throw "no batch-agent.exe at $Binary; give -Binary PATH (built by ``make agent`` as dist\agent\win-x64\batch-agent.exe)" }
  foreach ($file in 'start_agent.cmd') {
    if (-not (Test-Path (Join-Path $Here $file))) { throw "$Here\$file is missing: run this script from the installers folder or a release" }
  }
  New-Item -ItemType Directory -Force -Path $Prefix, (Join-Path $Prefix 'logs') | Out-Null

  $settings = @{}
  if ($ControllerUrl) { $settings['BATCH_CONTROLLER_URL'] = $ControllerUrl }
  if ($RegistrationToken) { $settings['BATCH_REGISTRATION_TOKEN'] = $RegistrationToken }
  if ($Labels) { $settings['BATCH_NODE_LABELS'] = $Labels }
  if ($Name) { $settings['BATCH_NODE_NAME'] = $Name }

  $target = Join-Path $Prefix 'batch-agent.exe'
  $changed = $settings.Count -gt 0
  if ((Resolve-Path $Binary).Path -ne $target) {
    if ((Test-Path $target) -and ((Get-FileHash $Binary).Hash -ne (Get-FileHash $target).Hash)) {
      Stop-Agent  # a running exe cannot be replaced
    }
    if (Copy-IfChanged $Binary $target) { $changed = $true }
  }
  if ($Here -ne $Prefix) {
    foreach ($file in 'start_agent.cmd', 'install-windows.ps1') {
      if (Copy-IfChanged (Join-Path $Here $file) (Join-Path $Prefix $file)) { $changed = $true }
    }
  }
  Set-Conf (Join-Path $Prefix 'agent.conf') $settings

  $action = New-ScheduledTaskAction -Execute "$env:SystemRoot\System32\cmd.exe" `
    -Argument "/d /c `"$Prefix\start_agent.cmd`"" -WorkingDirectory $Prefix
  # at boot, repeating every minute for as long as the machine runs; plus a trigger from now on,
  # for the time until the next boot
  $atBoot = New-ScheduledTaskTrigger -AtStartup
  $everyMinute = New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Minutes 1)
  $atBoot.Repetition = $everyMinute.Repetition
  $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
  # no time limit (the default stops a task after 72 h); normal priority (the default, 7, is
  # below normal, and instances inherit it); keep running on battery
  $settingsSet = New-ScheduledTaskSettingsSet -ExecutionTimeLimit ([TimeSpan]::Zero) -MultipleInstances IgnoreNew `
    -Priority 4 -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
    -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1)
  # -NoStart (baking an image): the boot trigger only, so nothing runs on this host before the
  # snapshot and every host booted from the image starts the agent
  $triggers = if ($NoStart) { @($atBoot) } else { @($atBoot, $everyMinute) }
  Register-ScheduledTask -TaskName $TaskName -Description 'Batch agent: runs task instances for a Batch controller' `
    -Action $action -Trigger $triggers -Principal $principal -Settings $settingsSet -Force | Out-Null
  $version = & $target --version
  Write-Output "installed $version in $Prefix, scheduled task '$TaskName'"

  if ($NoStart) {
    Write-Output "not started (-NoStart): the agent starts at the next boot"
    return
  }
  if ($changed) { Stop-Agent }
  Start-ScheduledTask -TaskName $TaskName
  Write-Output "started; its log: $Prefix\logs\agent.log"
}

function Uninstall-Agent {
  Stop-Agent
  if (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue) {
    Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false
  }
  foreach ($file in 'batch-agent.exe', 'start_agent.cmd', 'install-windows.ps1') {
    Remove-Item -Force -ErrorAction SilentlyContinue (Join-Path $Prefix $file)
  }
  if ($Purge) {
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $Prefix
    Write-Output "removed batch-agent, its task, configuration, logs and data"
  } else {
    Write-Output "removed batch-agent and its task; kept $Prefix\agent.conf, logs and data (-Purge removes them)"
  }
}

function Test-Image {
  $ok = $true
  foreach ($file in 'batch-agent.exe', 'start_agent.cmd') {
    if (Test-Path (Join-Path $Prefix $file)) { Write-Output "ok: $Prefix\$file" } else { Write-Output "MISSING: $Prefix\$file"; $ok = $false }
  }
  if (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue) { Write-Output "ok: scheduled task $TaskName" }
  else { Write-Output "MISSING: scheduled task $TaskName"; $ok = $false }
  if (Test-Path (Join-Path $Prefix 'data\node.json')) {
    Write-Output "REMOVE BEFORE SNAPSHOT: $Prefix\data\node.json is this host's node credential; every host booted from the image would share it"
    $ok = $false
  }
  if (-not $ok) { exit 1 }
  Write-Output "$Prefix is ready to snapshot"
}

if ($Uninstall) { Uninstall-Agent } elseif ($Check) { Test-Image } else { Install-Agent }
