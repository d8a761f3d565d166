/*
 * The timeline page: loads /v1/timeline?format=vis, draws it with vis-timeline (zoom, pan,
 * filters) and shows an event's sources, the date phrase highlighted in its sentence.
 *
 * Every piece of event text is untrusted: it only ever reaches the page through textContent,
 * DOM nodes and checked http(s) links, never through innerHTML.
 */
(function () {
  'use strict';

  var MONTH_LABEL = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  var DAY_LABEL = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

  var form = document.getElementById('filters');
  var statusLine = document.getElementById('status');
  var notice = document.getElementById('notice');
  var details = document.getElementById('details');
  var list = document.getElementById('event-list');
  var categorySelect = document.getElementById('filter-category');
  var container = document.getElementById('timeline');

  var knownCategories = new Set();
  var timeline = null;
  var items = null;
  var groups = null;
  var requestNumber = 0;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function showNotice(message) {
    notice.textContent = message;
    notice.hidden = !message;
  }

  function parseDay(iso) {
    var parts = String(iso).split('-').map(Number);
    return new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
  }

  /* "11 March 2025", "August 2024", "8 March 2025 – 12 March 2025". */
  function dateLabel(event) {
    var start = parseDay(event.date_start);
    if (event.granularity === 'month') return MONTH_LABEL.format(start);
    if (event.granularity === 'year') return String(start.getUTCFullYear());
    if (event.date_start === event.date_end) return DAY_LABEL.format(start);
    return DAY_LABEL.format(start) + ' – ' + DAY_LABEL.format(parseDay(event.date_end));
  }

  function isWebLink(url) {
    try {
      var parsed = new URL(String(url), window.location.href);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch (error) {
      return false;
    }
  }

  /*
   * Where the phrase stands in the sentence, as [start, end) in JavaScript string indices.
   * The API's offsets count code points in the whole article; finding the phrase in the sentence
   * itself gives offsets that are right for this string whatever characters it contains.
   */
  function phraseSpan(sentence, phrase) {
    if (!phrase) return null;
    var start = sentence.indexOf(phrase);
    if (start < 0) {
      var lowered = sentence.toLowerCase();
      if (lowered.length !== sentence.length) return null;
      start = lowered.indexOf(phrase.toLowerCase());
    }
    if (start < 0 || start + phrase.length > sentence.length) return null;
    return [start, start + phrase.length];
  }

  function highlightedSentence(sentence, phrase) {
    var quote = element('blockquote', 'sentence');
    var span = phraseSpan(String(sentence), String(phrase || ''));
    if (!span) {
      quote.textContent = sentence;
      return quote;
    }
    quote.appendChild(document.createTextNode(sentence.slice(0, span[0])));
    quote.appendChild(element('mark', 'phrase', sentence.slice(span[0], span[1])));
    quote.appendChild(document.createTextNode(sentence.slice(span[1])));
    return quote;
  }

  function sourceBlock(source) {
    var block = element('li', 'source');
    block.appendChild(highlightedSentence(source.sentence, source.phrase));
    var cite = element('p', 'citation');
    var label = source.title || source.url || 'Article ' + source.article_id;
    if (source.url && isWebLink(source.url)) {
      var link = element('a', null, label);
      link.href = source.url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      cite.appendChild(link);
    } else {
      cite.appendChild(element('span', null, label));
    }
    var published = String(source.published_at || '').slice(0, 10);
    cite.appendChild(document.createTextNode(
      ' · published ' + published + ' · “' + source.phrase + '” = ' + source.timex_value));
    block.appendChild(cite);
    return block;
  }

  function renderDetails(event) {
    clear(details);
    details.appendChild(element('p', 'when', dateLabel(event) + ' · ' + event.granularity));
    details.appendChild(element('h2', 'event-title', event.title));
    var facts = element('dl', 'facts');
    [['Category', event.category], ['Actors', (event.actors || []).join(', ') || '—'],
     ['Places', (event.locations || []).join(', ') || '—'],
     ['Confidence', Math.round(event.confidence * 100) + '%'], ['Status', event.status]]
      .forEach(function (pair) {
        facts.appendChild(element('dt', null, pair[0]));
        facts.appendChild(element('dd', null, pair[1]));
      });
    details.appendChild(facts);
    details.appendChild(element('h3', null, event.sources.length === 1 ? 'Source' : 'Sources'));
    var sources = element('ol', 'sources');
    event.sources.forEach(function (source) { sources.appendChild(sourceBlock(source)); });
    if (!event.sources.length) sources.appendChild(element('li', 'source', event.description));
    details.appendChild(sources);
  }

  function showEvent(eventId) {
    if (!eventId) return;
    fetch('/v1/events/' + encodeURIComponent(eventId), { headers: { Accept: 'application/json' } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.detail || response.statusText);
          return body;
        });
      })
      .then(renderDetails)
      .catch(function (error) { showNotice('Could not load the event: ' + error.message); });
  }

  function currentFilters() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      value = String(value).trim();
      if (value) params.set(name, value);
    });
    return params;
  }

  function updateDownloads(params) {
    ['csv', 'ics', 'ndjson'].forEach(function (format) {
      var copy = new URLSearchParams(params);
      copy.set('format', format);
      document.getElementById('download-' + format).href = '/v1/timeline?' + copy.toString();
    });
  }

  function rememberCategories(groupList) {
    groupList.forEach(function (group) {
      if (knownCategories.has(group.id)) return;
      knownCategories.add(group.id);
      var option = element('option', null, group.text);
      option.value = group.id;
      categorySelect.appendChild(option);
    });
  }

  function renderList(itemList) {
    clear(list);
    itemList.forEach(function (item) {
      var entry = element('li', 'event-entry granularity-' + item.granularity);
      var button = element('button', 'event-button');
      button.type = 'button';
      button.dataset.eventId = item.id;
      button.appendChild(element('span', 'entry-date', dateLabel(item)));
      button.appendChild(element('span', 'entry-title', item.text));
      button.appendChild(element('span', 'entry-category', item.group));
      button.addEventListener('click', function () {
        if (timeline) timeline.setSelection(item.id, { focus: true, animation: false });
        showEvent(item.id);
      });
      entry.appendChild(button);
      list.appendChild(entry);
    });
  }

  /* vis-timeline renders `content` and `title` as HTML: hand it DOM nodes built from text. */
  function itemTemplate(item) {
    var node = element('span', 'item-label', item.text);
    node.title = item.text;
    return node;
  }

  function groupTemplate(group) {
    return group ? element('span', 'group-label', String(group.text).replace(/_/g, ' ')) : '';
  }

  function createTimeline() {
    if (typeof window.vis === 'undefined' || !window.vis.Timeline) {
      container.hidden = true;
      showNotice('The timeline library (vis-timeline) is not installed, so the events are only ' +
        'listed below. Run `make install` (it runs `npm ci` in web/) and reload the page.');
      return;
    }
    items = new window.vis.DataSet();
    groups = new window.vis.DataSet();
    timeline = new window.vis.Timeline(container, items, groups, {
      template: itemTemplate,
      groupTemplate: groupTemplate,
      orientation: 'top',
      stack: true,
      zoomMin: 1000 * 60 * 60 * 24 * 3,
      zoomMax: 1000 * 60 * 60 * 24 * 365 * 20,
      margin: { item: { horizontal: 4, vertical: 6 } },
      tooltip: { followMouse: false },
      showCurrentTime: false
    });
    timeline.on('select', function (properties) { showEvent(properties.items[0]); });
  }

  function loadTimeline() {
    var params = currentFilters();
    var number = ++requestNumber;
    statusLine.textContent = 'Loading…';
    // Lets a reader (and the browser tests) tell a settled page from one still loading.
    document.body.dataset.loading = 'true';
    var query = new URLSearchParams(params);
    query.set('format', 'vis');
    updateDownloads(params);
    return fetch('/v1/timeline?' + query.toString(), { headers: { Accept: 'application/json' } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.detail || response.statusText);
          return body;
        });
      })
      .then(function (body) {
        if (number !== requestNumber) return;  // a newer request has answered already
        rememberCategories(body.groups);
        renderList(body.items);
        var count = body.items.length;
        statusLine.textContent = count === 1 ? '1 event' : count + ' events';
        if (!timeline) return;
        // Plain data only: no `content`/`title` strings reach vis-timeline's HTML rendering.
        items.clear();
        groups.clear();
        groups.add(body.groups.map(function (group) { return { id: group.id, text: group.text }; }));
        items.add(body.items.map(function (item) {
          // A whole day drawn as a box stands at its midday, not astride the midnight before.
          var start = item.type === 'box' && item.start.length === 10 ? item.start + 'T12:00' : item.start;
          var data = { id: item.id, text: item.text, start: start, type: item.type,
            group: item.group, className: item.className, granularity: item.granularity,
            date_start: item.date_start, date_end: item.date_end, content: '' };
          if (item.end) data.end = item.end;
          return data;
        }));
        var from = params.get('from');
        var to = params.get('to');
        if (from && to) {
          var end = parseDay(to);
          end.setUTCDate(end.getUTCDate() + 1);
          timeline.setWindow(parseDay(from), end, { animation: false });
        } else if (count) {
          timeline.fit({ animation: false });
        }
      })
      .catch(function (error) {
        statusLine.textContent = '';
        showNotice('Could not load the timeline: ' + error.message);
      })
      .then(function () {
        if (number === requestNumber) document.body.dataset.loading = 'false';
      });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    showNotice('');
    loadTimeline();
  });
  document.getElementById('reset-filters').addEventListener('click', function () {
    form.reset();
    showNotice('');
    loadTimeline();
  });
  document.getElementById('zoom-in').addEventListener('click', function () { if (timeline) timeline.zoomIn(0.5); });
  document.getElementById('zoom-out').addEventListener('click', function () { if (timeline) timeline.zoomOut(0.5); });
  document.getElementById('fit').addEventListener('click', function () { if (timeline) timeline.fit(); });

  createTimeline();
  loadTimeline().then(function () { document.body.dataset.ready = 'true'; });
}());
