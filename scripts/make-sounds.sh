#!/usr/bin/env bash
# Regenerates the default alarm prompts in sounds/: 8 kHz mono 16-bit PCM, as baresip's aufile plays them.
# Needs espeak-ng and sox (Debian packages). The gateway loops each prompt with pauses for sip.confirm_timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
make() {
  local name=$1 text=$2
  espeak-ng -v en-us -s 140 -w "sounds/$name.raw.wav" "$text"
  sox "sounds/$name.raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "sounds/$name.wav" norm -3
  rm "sounds/$name.raw.wav"
}
make towing  "Alarm. Your car is being towed. Press 1 to confirm."
make unplug  "Alarm. The charging cable was unplugged. Press 1 to confirm."
make generic "Alarm from home automation. Press 1 to confirm."
