/**
 * A speech bubble drawn inline: the 💬 emoji needs an emoji font, which a closed-network PC or a Linux
 * kiosk may not have (it showed as an empty box in Debian's Chromium).
 */
export function CommentIcon() {
  return (
    <svg className="comment-icon" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" focusable="false">
      <path
        d="M4 4h16a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H9l-4.3 3.4A.5.5 0 0 1 4 20v-3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinejoin="round"
      />
    </svg>
  )
}
