# Register Civic Kiosk to start at logon of the kiosk account, and restart if it stops.
#
#   powershell -ExecutionPolicy Bypass -File register-kiosk-task.ps1 `
#       -BundleDir "C:\Program Files\CivicKiosk\current" -KioskUser "kiosk"
#
# Run as an administrator. See docs/deploy-kiosk-windows.md. Written for
# Windows 10/11 (ScheduledTasks module); not exercised by the project's CI,
# which runs on Linux.
param(
    [Parameter(Mandatory = $true)] [string] $BundleDir,
    [string] $KioskUser = "kiosk",
    [string] $ConfigFile = "C:\ProgramData\CivicKiosk\kiosk.toml",
    [string] $DataDir = "C:\ProgramData\CivicKiosk\data"
)
$ErrorActionPreference = "Stop"

$exe = Join-Path $BundleDir "civic-kiosk-window.exe"   # no console window
if (-not (Test-Path $exe)) { throw "not a kiosk bundle: $exe is missing" }

# The release must work on this machine before anything starts it.
& (Join-Path $BundleDir "civic-kiosk.exe") --self-test
if ($LASTEXITCODE -ne 0) { throw "self-test failed; nothing registered" }

New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
New-Item -ItemType Directory -Force -Path (Split-Path $ConfigFile) | Out-Null
# The kiosk account writes its store and may save settings changed by staff.
icacls (Split-Path $ConfigFile) /grant "${KioskUser}:(OI)(CI)M" | Out-Null

# The settings reach the program through CIVIC_KIOSK_* variables (README
# "Configuration"), set machine-wide: this PC is a kiosk and nothing else.
[Environment]::SetEnvironmentVariable("CIVIC_KIOSK_CONFIG", $ConfigFile, "Machine")
[Environment]::SetEnvironmentVariable("CIVIC_KIOSK_DATA_DIR", $DataDir, "Machine")

# Task Scheduler's own "restart on failure" covers a task that failed to start,
# not a program that crashed, so a small loop restarts the kiosk after any
# exit but a clean one (staff chose "Exit kiosk", exit code 0).
$loop = "while (`$true) { `$p = Start-Process -FilePath '$exe' -ArgumentList 'run' " +
        "-WorkingDirectory '$DataDir' -Wait -PassThru; if (`$p.ExitCode -eq 0) { break }; " +
        "Start-Sleep -Seconds 2 }"
$action = New-ScheduledTaskAction -Execute "powershell.exe" `
    -Argument "-NoProfile -NonInteractive -WindowStyle Hidden -Command `"$loop`""
$trigger = New-ScheduledTaskTrigger -AtLogOn -User $KioskUser
# If the task itself fails, try again every minute; never stop it for running long.
$settings = New-ScheduledTaskSettingsSet -RestartInterval (New-TimeSpan -Minutes 1) `
    -RestartCount 9999 -ExecutionTimeLimit ([TimeSpan]::Zero) -AllowStartIfOnBatteries `
    -DontStopIfGoingOnBatteries -StartWhenAvailable
$principal = New-ScheduledTaskPrincipal -UserId $KioskUser -LogonType Interactive -RunLevel Limited
Register-ScheduledTask -TaskName "Civic Kiosk" -Action $action -Trigger $trigger `
    -Settings $settings -Principal $principal -Force | Out-Null
Write-Output "registered task 'Civic Kiosk' for $KioskUser -> $exe"
