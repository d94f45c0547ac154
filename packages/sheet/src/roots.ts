/** The top-level maps of the two evaluations in a sheet's Y.Doc ([S20]). */
export const evaluationRoots = { midyear: 'midyearEvaluation', yearend: 'yearendEvaluation' } as const
export type EvaluationRootName = (typeof evaluationRoots)[keyof typeof evaluationRoots]
export const evaluationRootNames: readonly EvaluationRootName[] = Object.values(evaluationRoots)
