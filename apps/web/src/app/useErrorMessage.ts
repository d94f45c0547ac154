import { ApiError } from '../api/client'
import { ja, type MessageKey } from '../i18n/catalog'
import { useI18n } from '../i18n/I18nProvider'

/**
 * Turns any error into a message for people. In Japanese the server's own message is the most precise
 * (it says, for example, how long a lockout lasts); otherwise the catalog's text for the stable code.
 */
export function useErrorMessage(): (error: unknown) => string {
  const { locale, t } = useI18n()
  return (error) => {
    if (!(error instanceof ApiError)) return t('error.internal_error')
    if (locale === 'ja' && error.message) return error.message
    const key = `error.${error.code}`
    return key in ja ? t(key as MessageKey) : t('error.internal_error')
  }
}
