// The page's own words in the two languages the service speaks. Categories, attribute names and attribute values
// come from GET /api/v1/categories instead, so adding a category or attribute needs no change here.
(function () {
  'use strict';

  var strings = {
    en: {
      title: 'Facilities',
      pageTitle: 'Facilities — public toilets, water, AEDs near you',
      switchLanguage: '中文',
      switchLanguageLabel: '切换到中文',
      filters: 'Filters',
      filtersActive: 'Filters ({n})',
      category: 'Category',
      allCategories: 'All facilities',
      showOnly: 'Show only',
      openNow: 'Open now',
      wheelchair: 'Wheelchair accessible',
      free: 'Free of charge',
      changingTable: 'Baby changing table',
      genderNeutral: 'Gender-neutral',
      publicAccess: 'Public access',
      clearFilters: 'Clear filters',
      closeFilters: 'Done',
      legend: 'Colours on the map',
      map: 'Map of facilities',
      locateMe: 'Show my location',
      zoomIn: 'Zoom in',
      zoomOut: 'Zoom out',
      nearestToYou: 'Nearest to you',
      nearestToCentre: 'Nearest to the map centre',
      nearestHere: 'At this spot',
      nearestEmpty: 'Nothing within {km} km that matches. Move the map or change the filters.',
      nearestBeyond: 'Nothing within {km} km. Nearest matching: {d}',
      loading: 'Loading…',
      loadFailed: 'Could not load facilities: {reason}',
      distance: '{d} · {min} min walk',
      metres: '{n} m',
      kilometres: '{n} km',
      expandList: 'Show more of the list',
      collapseList: 'Show more of the map',
      inView: '{n} facilities in view',
      cluster: '{n} facilities here; zoom in',
      demoCity: 'Demo city {city}: your location is not available.',
      demoData: 'Demo data — invented facilities',
      gotIt: 'Got it',
      waitingForLocation: 'Waiting for your location…',
      skipLocation: 'Show the map without it',
      baseMapFailed: 'No base map.',
      filtersZoomIn: 'Zoom in to filter the map (the list is filtered).',
      back: 'Back to the list',
      openState: { open: 'Open now', closed: 'Closed now', unknown: 'Opening hours unknown' },
      closedUntil: 'Temporarily closed until {date}',
      closedTemporarily: 'Temporarily closed',
      hours: 'Hours: {h}',
      official: 'Official',
      community: 'Community',
      osm: 'OpenStreetMap',
      details: 'Details',
      sources: 'Sources',
      updated: 'updated {date}',
      yes: 'Yes',
      no: 'No',
      otherApps: 'Other maps',
      share: 'Share',
      linkFailed: 'The linked facility could not be opened: {reason}',
      stillHere: 'Still here',
      report: 'Report a problem',
      edit: 'Suggest an edit',
      contribute: 'Contribute',
      search: 'Search',
      contributeLabel: 'Sign in, add a facility, review changes',
      reportReason: 'What is wrong?',
      chooseReason: 'Choose…',
      skipToList: 'Skip to the nearest list',
      reportComment: 'Comment (optional)',
      sendReport: 'Send report',
      cancel: 'Cancel',
      tooMany: 'Too many requests; try again in {s} seconds.',
      failed: 'That did not work: {reason}',
      reasons: {
        closed: 'Closed for good', out_of_order: 'Out of order', dirty: 'Dirty', wrong_location: 'Wrong location',
        not_public: 'Not open to the public', unsafe: 'Unsafe', other: 'Something else'
      },
      days: { Mo: 'Mon', Tu: 'Tue', We: 'Wed', Th: 'Thu', Fr: 'Fri', Sa: 'Sat', Su: 'Sun', PH: 'public holidays' },
      off: 'closed',
      always: 'open 24/7'
    },
    'zh-Hans': {
      title: '设施地图',
      pageTitle: '设施地图 — 附近的公共厕所、饮水点、AED',
      switchLanguage: 'English',
      switchLanguageLabel: 'Switch to English',
      filters: '筛选',
      filtersActive: '筛选（{n}）',
      category: '类别',
      allCategories: '全部设施',
      showOnly: '只显示',
      openNow: '现在开放',
      wheelchair: '无障碍（轮椅可用）',
      free: '免费',
      changingTable: '婴儿护理台',
      genderNeutral: '性别友好（无性别）',
      publicAccess: '对公众开放',
      clearFilters: '清除筛选',
      closeFilters: '完成',
      legend: '地图颜色',
      map: '设施地图',
      locateMe: '显示我的位置',
      zoomIn: '放大',
      zoomOut: '缩小',
      nearestToYou: '离你最近',
      nearestToCentre: '离地图中心最近',
      nearestHere: '此处的设施',
      nearestEmpty: '{km} 公里内没有符合条件的设施。请移动地图或修改筛选条件。',
      nearestBeyond: '{km} 公里内没有。最近的符合条件的设施：{d}',
      loading: '加载中…',
      loadFailed: '无法加载设施：{reason}',
      distance: '{d} · 步行 {min} 分钟',
      metres: '{n} 米',
      kilometres: '{n} 公里',
      expandList: '展开列表',
      collapseList: '收起列表',
      inView: '视野内 {n} 处设施',
      cluster: '此处 {n} 处设施，放大查看',
      demoCity: '无法获取你的位置，显示示例城市{city}。',
      demoData: '演示数据——虚构的设施',
      gotIt: '知道了',
      waitingForLocation: '正在等待你的位置…',
      skipLocation: '不用位置，直接看地图',
      baseMapFailed: '底图无法加载。',
      filtersZoomIn: '请放大地图以筛选地图上的设施（列表已筛选）。',
      back: '返回列表',
      openState: { open: '现在开放', closed: '现在关闭', unknown: '开放时间未知' },
      closedUntil: '暂停开放，至 {date}',
      closedTemporarily: '暂停开放',
      hours: '开放时间：{h}',
      official: '官方',
      community: '社区',
      osm: 'OpenStreetMap',
      details: '详情',
      sources: '数据来源',
      updated: '更新于 {date}',
      yes: '是',
      no: '否',
      otherApps: '其他地图',
      share: '分享',
      linkFailed: '无法打开链接中的设施：{reason}',
      stillHere: '仍在这里',
      report: '报告问题',
      edit: '建议修改',
      contribute: '参与',
      search: '搜索',
      contributeLabel: '登录、添加设施、审核修改',
      reportReason: '有什么问题？',
      chooseReason: '请选择…',
      skipToList: '跳到最近设施列表',
      reportComment: '补充说明（可选）',
      sendReport: '提交报告',
      cancel: '取消',
      tooMany: '请求过于频繁，请 {s} 秒后再试。',
      failed: '操作失败：{reason}',
      reasons: {
        closed: '已永久关闭', out_of_order: '无法使用', dirty: '不干净', wrong_location: '位置不对',
        not_public: '不对公众开放', unsafe: '不安全', other: '其他问题'
      },
      days: { Mo: '周一', Tu: '周二', We: '周三', Th: '周四', Fr: '周五', Sa: '周六', Su: '周日', PH: '节假日' },
      off: '关闭',
      always: '全天 24 小时开放'
    }
  };

  /** 'zh-Hans' for any Chinese browser language (zh, zh-CN, zh-TW...), else English; a saved choice wins. */
  function initialLanguage() {
    var saved = null;
    try { saved = localStorage.getItem('facilities.lang'); } catch (e) { /* storage disabled */ }
    if (saved && strings[saved]) { return saved; }
    var langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
    for (var i = 0; i < langs.length; i++) {
      var l = String(langs[i]).toLowerCase();
      if (l.indexOf('zh') === 0) { return 'zh-Hans'; }
      if (l.indexOf('en') === 0) { return 'en'; }
    }
    return 'en';
  }

  var lang = initialLanguage();

  function t(key, args) {
    var s = strings[lang][key];
    if (s === undefined) { s = strings.en[key]; }
    if (typeof s === 'string' && args) {
      s = s.replace(/\{(\w+)\}/g, function (m, name) {
        var v = args[name];
        if (v !== null && typeof v === 'object') { v = label(v); } // a labels object: { en, zh-Hans }
        return v !== undefined ? v : m;
      });
    }
    return s;
  }

  function locale() { return lang === 'zh-Hans' ? 'zh-CN' : 'en-GB'; }

  function number(n, digits) {
    return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits || 0, minimumFractionDigits: digits || 0 }).format(n);
  }

  function distance(metres) {
    return metres < 1000 ? t('metres', { n: number(Math.round(metres)) }) : t('kilometres', { n: number(metres / 1000, 1) });
  }

  // Walking time from the straight-line distance the API measures, at 4.8 km/h (80 m a minute), rounded up: a
  // street detour makes the real walk longer, so the estimate never promises less than it is. Past an hour's walk
  // people ride or drive, so the distance stands alone.
  function walk(metres) {
    var min = Math.max(1, Math.ceil(metres / 80));
    return min > 60 ? distance(metres) : t('distance', { d: distance(metres), min: number(min) });
  }

  function date(iso) {
    return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(iso));
  }

  /** The label of an attribute, category or value in the current language, from the API's labels object. */
  function label(labels, fallback) {
    return (labels && (labels[lang] || labels.en)) || fallback || '';
  }

  // OpenStreetMap opening_hours in plain words: day abbreviations, "off" and 24/7 read in the current language.
  function hours(text) {
    if (!text) { return ''; }
    if (text.trim() === '24/7') { return t('always'); }
    var days = strings[lang].days;
    return text
      .replace(/\b(Mo|Tu|We|Th|Fr|Sa|Su|PH)\b/g, function (d) { return days[d]; })
      .replace(/\boff\b/g, t('off'))
      .replace(/(\S)-(\S)/g, lang === 'zh-Hans' ? '$1至$2' : '$1–$2')
      .replace(/;\s*/g, lang === 'zh-Hans' ? '；' : '; ')
      .replace(/,\s*/g, lang === 'zh-Hans' ? '、' : ', ');
  }

  function setLanguage(next) {
    lang = strings[next] ? next : 'en';
    try { localStorage.setItem('facilities.lang', lang); } catch (e) { /* storage disabled */ }
  }

  // Parts of the page loaded on demand (contributors, partners) bring their own words.
  function extend(more) {
    Object.keys(more).forEach(function (l) { if (strings[l]) { Object.assign(strings[l], more[l]); } });
  }

  window.FacilitiesI18n = {
    t: t, walk: walk, distance: distance, date: date, label: label, hours: hours, number: number, setLanguage: setLanguage, extend: extend,
    get lang() { return lang; }
  };
})();
