/** The report page's stylesheet, inlined in the page (no external asset). Result colours are shared with the page's legend. */

export const STATUS_COLOURS: Record<string, string> = {
  ok: '#2e9e4f',
  changed: '#d9a400',
  failed: '#d33a2c',
  unreachable: '#8e44ad',
  skipped: '#4aa3df',
  rescued: '#e67e22',
  ignored: '#95a5a6',
  running: '#555555',
};

export const REPORT_CSS = `
:root { --lane: 22px; --label: 220px; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 14px; color: #1d232a; }
body { margin: 0; background: #f6f7f9; }
main { padding: 16px 24px 48px; max-width: 1600px; margin: 0 auto; }
h1 { font-size: 20px; margin: 0 0 8px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 12px 16px; margin-top: 16px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: #5b6570; }
dl.facts dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
.outcome { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600; }
.outcome-ok { background: #2e9e4f; } .outcome-failed, .outcome-journal-incomplete { background: #d33a2c; }
.outcome-unreachable { background: #8e44ad; } .outcome-interrupted, .outcome-running { background: #7f8c8d; }
pre { white-space: pre-wrap; word-break: break-word; background: #f1f3f5; padding: 8px; border-radius: 4px; max-height: 420px; overflow: auto; margin: 0; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.cols > div { max-height: 460px; overflow: auto; }
table.plain { border-collapse: collapse; width: 100%; }
table.plain th, table.plain td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eceff2; vertical-align: top; }
table.plain td.msg { font-family: ui-monospace, monospace; white-space: pre-wrap; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 8px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 4px; background: var(--c); border-radius: 2px; }
.toolbar { display: flex; gap: 12px; align-items: center; margin-bottom: 8px; }
.toolbar input[type=search] { width: 240px; }
.scroller { position: relative; overflow: auto; max-height: 70vh; border: 1px solid #dde1e6; border-radius: 4px; background: #fff; }
.canvas { position: relative; }
.axis, .strip { position: sticky; top: 0; z-index: 3; background: #fff; height: 22px; border-bottom: 1px solid #dde1e6; }
.strip { top: 22px; background: #fafbfc; }
.lane { position: absolute; left: 0; right: 0; height: var(--lane); border-bottom: 1px solid #f0f2f4; }
.lane.failed-host .label { color: #d33a2c; font-weight: 600; }
.label { position: sticky; left: 0; z-index: 2; display: inline-block; width: var(--label); height: var(--lane); line-height: var(--lane); padding: 0 6px; box-sizing: border-box; background: #fff; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; border-right: 1px solid #dde1e6; font-family: ui-monospace, monospace; font-size: 12px; }
.track { position: absolute; top: 0; bottom: 0; left: var(--label); }
.bar { position: absolute; top: 4px; height: calc(var(--lane) - 8px); min-width: 2px; border-radius: 2px; cursor: pointer; }
.bar[data-mark]::after { content: attr(data-symbol); position: absolute; left: 2px; top: -3px; font-size: 11px; color: #fff; }
.band { position: absolute; top: 0; bottom: 0; background: rgba(52, 120, 246, 0.07); border-left: 1px dashed rgba(52, 120, 246, 0.5); }
.batch { position: absolute; top: 2px; height: 18px; background: rgba(52, 120, 246, 0.15); border: 1px solid rgba(52, 120, 246, 0.5); font-size: 11px; line-height: 18px; overflow: hidden; white-space: nowrap; padding: 0 3px; box-sizing: border-box; }
.outage { position: absolute; top: 0; bottom: 0; background: repeating-linear-gradient(45deg, rgba(211,58,44,.25) 0 4px, transparent 4px 8px); border-left: 1px solid #d33a2c; z-index: 1; }
.run-start { position: absolute; top: 22px; bottom: 0; border-left: 2px solid #34495e; z-index: 4; pointer-events: none; }
.run-start span { position: absolute; top: 2px; left: 3px; font-size: 11px; white-space: nowrap; background: #34495e; color: #fff; padding: 0 4px; border-radius: 2px; }
.drain { position: absolute; top: 1px; height: calc(var(--lane) - 2px); border: 1px solid #34495e; border-radius: 3px; box-sizing: border-box; pointer-events: none; z-index: 1; }
.drain.blocked { border-color: #d33a2c; border-width: 2px; }
.drain-label { position: absolute; left: 100%; top: 2px; margin-left: 4px; white-space: nowrap; font-size: 11px; color: #d33a2c; background: rgba(255,255,255,.85); padding: 0 3px; }
.tick { position: absolute; top: 0; bottom: 0; border-left: 1px solid #dde1e6; font-size: 11px; padding-left: 3px; color: #5b6570; }
.grid { position: relative; font-size: 12px; }
.grid .row { position: absolute; left: 0; height: var(--lane); display: flex; }
.grid .cell { flex: 0 0 90px; height: var(--lane); line-height: var(--lane); text-align: right; padding: 0 4px; box-sizing: border-box; border-right: 1px solid #fff; cursor: pointer; color: #fff; font-family: ui-monospace, monospace; }
.grid .cell.none { background: #f1f3f5; cursor: default; }
.grid .head { position: sticky; top: 0; z-index: 3; display: flex; background: #fff; height: 64px; }
.grid .head .task { flex: 0 0 90px; font-size: 11px; overflow: hidden; padding: 2px 4px; box-sizing: border-box; border-right: 1px solid #eceff2; }
#output { position: fixed; right: 16px; bottom: 16px; width: min(720px, 90vw); max-height: 60vh; background: #fff; border: 1px solid #8894a0; border-radius: 6px; box-shadow: 0 6px 24px rgba(0,0,0,.2); padding: 12px; z-index: 10; display: none; }
#output[data-open] { display: block; }
#output header { display: flex; justify-content: space-between; gap: 8px; margin-bottom: 6px; font-weight: 600; }
.muted { color: #5b6570; }
.error { color: #d33a2c; font-weight: 600; }
table.plain tr.changed td { background: #fff4d6; font-weight: 600; }
`;
