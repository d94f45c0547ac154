import { type Sheet, SHEET_FORMAT_V1, upgradeSheetV1 } from '../schema.js'

/** 総務課, 令和7年度: a short sheet written for the demo (not from the seed). */
// Written as v1 (the seed has no indicators); read in today's format ([S19]).
export const somu2025: Sheet = upgradeSheetV1({
  format: SHEET_FORMAT_V1,
  department: { id: 'somu', name: '総務課' },
  fiscalYear: 2025,
  situation:
    '　職員数の減少と業務の多様化が進む中、限られた人員で質の高い行政サービスを維持することが求められている。また、大規模災害への備えに対する町民の関心が高まっている。',
  issues: [
    { id: 'somu-issue-1', text: '職員の確保と人材育成' },
    { id: 'somu-issue-2', text: '働き方改革による業務の効率化' },
    { id: 'somu-issue-3', text: '地域防災力の強化' },
  ],
  policies: {
    annual: [
      { id: 'somu-annual-1', text: '計画的な職員採用と研修の充実を図る。' },
      { id: 'somu-annual-2', text: '自主防災組織の活動支援と防災訓練の充実を図る。' },
    ],
    longTerm: [{ id: 'somu-longterm-1', text: '組織と人材の再構築', outcome: '持続可能な行政運営体制の確立' }],
  },
  measures: [
    {
      id: 'somu-measure-1',
      rank: 1,
      name: '人材育成と働き方改革',
      content: '人材育成基本方針に基づく研修の実施と業務の見直し',
      sections: ['人事係'],
      partners: ['全課'],
    },
    {
      id: 'somu-measure-2',
      rank: 2,
      name: '防災体制の強化',
      content: '地域防災計画の見直しと自主防災組織の育成',
      sections: ['危機管理室'],
      partners: ['kikaku-zaisei'],
    },
  ],
  projects: [
    {
      id: 'somu-project-1',
      rank: 1,
      name: '職員研修事業',
      content: '階層別研修、専門研修の実施',
      sections: ['人事係'],
      partners: [],
      budget: 3200,
    },
    {
      id: 'somu-project-2',
      rank: 2,
      name: '防災訓練実施事業',
      content: '町総合防災訓練の実施',
      sections: ['危機管理室'],
      partners: ['関係課'],
      budget: 1850,
    },
    {
      id: 'somu-project-3',
      rank: 3,
      name: '文書管理システム更新事業',
      content: '電子決裁・文書管理システムの更新',
      sections: ['総務係'],
      partners: ['kikaku-zaisei'],
      budget: 12400,
    },
  ],
})
