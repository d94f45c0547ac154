// The catalog's {name}-style holes are filled by one function for the whole app.
export { fill } from '../../i18n/fill'
