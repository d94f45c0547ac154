/**
 * The editor's icons, drawn inline from the app's own bundle: characters such as ⠿ need a font that an
 * LGWAN PC may not have, and show there as an empty box.
 */
function Svg({ children }: { children: React.ReactNode }) {
  return (
    <svg className="icon-svg" viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true" focusable="false">
      {children}
    </svg>
  )
}

export function GripIcon() {
  return (
    <Svg>
      {[4, 8, 12].flatMap((y) =>
        [6, 10].map((x) => <circle key={`${x}-${y}`} cx={x} cy={y} r="1.3" fill="currentColor" />),
      )}
    </Svg>
  )
}

const stroke = { fill: 'none', stroke: 'currentColor', strokeWidth: 1.8, strokeLinecap: 'round', strokeLinejoin: 'round' } as const

export function UpIcon() {
  return (
    <Svg>
      <path d="M8 13V3M3.5 7.5 8 3l4.5 4.5" {...stroke} />
    </Svg>
  )
}

export function DownIcon() {
  return (
    <Svg>
      <path d="M8 3v10M3.5 8.5 8 13l4.5-4.5" {...stroke} />
    </Svg>
  )
}

export function CloseIcon() {
  return (
    <Svg>
      <path d="M4 4l8 8M12 4l-8 8" {...stroke} />
    </Svg>
  )
}

/** 指標を追加: a plus beside three bars (a measure's figures). */
export function AddIndicatorIcon() {
  return (
    <Svg>
      <path d="M2 14V10M5.5 14V7M9 14V9M11.5 4.5h4M13.5 2.5v4" {...stroke} />
    </Svg>
  )
}
