#ps1_sysnative
# First-boot bootstrap of a Windows node, as user data: cloudbase-init runs it as it is (the
# first line tells it to use the 64-bit PowerShell); for EC2, wrap it in <powershell></powershell>.
# A compute-environment provider replaces the three __BATCH_...__ placeholders (values must not
# contain a single quote) and passes the result as the instance's user data.
#
# On an image baked with the agent (c:\batch\batch-agent.exe present) it only writes the node's
# configuration and starts the task. On a plain image it first downloads a release .zip
# (batch-agent.exe + installers, from $ReleaseUrl) and installs it.
$ErrorActionPreference = 'Stop'
$ControllerUrl = '__BATCH_CONTROLLER_URL__'
$RegistrationToken = '__BATCH_REGISTRATION_TOKEN__'
$Labels = '__BATCH_NODE_LABELS__'
# only needed on an image without the agent: a .zip holding batch-agent.exe and the installers
$ReleaseUrl = ''
$Prefix = 'C:\batch'

$placeholder = '__BATCH' + '_'
New-Item -ItemType Directory -Force -Path "$env:ProgramData\batch" | Out-Null
Start-Transcript -Append -Path "$env:ProgramData\batch\bootstrap.log" | Out-Null
try {
  foreach ($value in $ControllerUrl, $RegistrationToken) {
    if ($value.StartsWith($placeholder)) { throw "a placeholder was not filled in: $value" }
  }
  if ($Labels.StartsWith($placeholder)) { $Labels = '' }

  $installer = Join-Path $Prefix 'install-windows.ps1'
  $arguments = @{ ControllerUrl = $ControllerUrl; RegistrationToken = $RegistrationToken; Prefix = $Prefix }
  if ($Labels) { $arguments['Labels'] = $Labels }
  if (-not ((Test-Path (Join-Path $Prefix 'batch-agent.exe')) -and (Test-Path $installer))) {
    if (-not $ReleaseUrl) { throw "$Prefix\batch-agent.exe is not in this image and `$ReleaseUrl is not set" }
    $release = Join-Path $env:TEMP 'batch-agent-release'
    [Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
    Invoke-WebRequest -UseBasicParsing -Uri $ReleaseUrl -OutFile "$release.zip"
    Expand-Archive -Force -Path "$release.zip" -DestinationPath $release
    $installer = (Get-ChildItem -Recurse -Path $release -Filter 'install-windows.ps1' | Select-Object -First 1).FullName
    $arguments['Binary'] = (Get-ChildItem -Recurse -Path $release -Filter 'batch-agent.exe' | Select-Object -First 1).FullName
  }
  & $installer @arguments
  Write-Output "batch-agent bootstrap done; the agent's log is $Prefix\logs\agent.log"
} finally {
  Stop-Transcript | Out-Null
}
