#!/usr/bin/python3
"""boka's iCalendar output read back by independent code.

Usage: ical_parse_test.py <boka_ical_fixtures> <output directory>

Runs boka_ical_fixtures (tests/ical/ical_fixtures.cpp), which writes calendars with boka's
writer (src/ical) and expected.json, then checks the calendars with code that shares nothing
with boka:

- the raw bytes: CRLF line endings, physical lines of at most 75 octets that are each valid
  UTF-8 (folding never split a character);
- Debian's python3-icalendar parses every file, and every property reads back: UID, STATUS,
  SEQUENCE, texts (escaping undone), ORGANIZER/ATTENDEE with CN, METHOD, X-WR-CALNAME;
- every DTSTART, DTEND, RECURRENCE-ID and EXDATE resolves to the exact UTC instant boka
  meant, three ways: by TZID name with Python's zoneinfo (the OS tzdb read by other code),
  from the calendar's own VTIMEZONE with a resolver written here (RFC 5545 section 3.6.5),
  and from the VTIMEZONE with icalendar's own Timezone.to_tz();
- each VTIMEZONE agrees with zoneinfo at each onset and hour by hour over the events' span;
- each RRULE (with EXDATEs removed), expanded by python3-dateutil's rrulestr in the zone the
  VTIMEZONE defines, gives exactly the occurrences boka's expand_occurrences gave, keeping
  the local wall time while the UTC offset changes.

Needs Debian's /usr/bin/python3 with python3-icalendar and python3-dateutil; a missing module
fails the test (ImportError), it never skips.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import unittest
import zoneinfo

import icalendar
import pytz
from dateutil.rrule import rrulestr

PROGRAM = None
OUT = None
EXPECTED = None
RAW = {}  # file -> bytes
CALENDARS = {}  # file -> icalendar.Calendar

EPOCH = dt.datetime(1970, 1, 1)
HOUR = dt.timedelta(hours=1)


def unix_of_naive_utc(naive):
    return int((naive - EPOCH).total_seconds())


def unix_of_aware(aware):
    return unix_of_naive_utc(aware.astimezone(dt.timezone.utc).replace(tzinfo=None))


def naive_utc_of_unix(seconds):
    return EPOCH + dt.timedelta(seconds=seconds)


class VTimezoneInfo(dt.tzinfo):
    """A tzinfo defined only by one VTIMEZONE's STANDARD/DAYLIGHT observances.

    Each observance starts at DTSTART, a local time on the clock in force before it, so its
    UTC onset is DTSTART - TZOFFSETFROM (RFC 5545 section 3.6.5). A local time that occurs
    twice means the first occurrence (fold=0) and one in a gap is read with the offset before
    the gap (RFC 5545 section 3.3.5). The observances carry no RRULE or RDATE (boka writes one
    per transition), which this class checks.
    """

    def __init__(self, vtimezone):
        super().__init__()
        self.tzid = str(vtimezone['TZID'])
        self.observances = []  # (UTC onset, from, to, name, kind)
        for sub in vtimezone.subcomponents:
            if sub.name not in ('STANDARD', 'DAYLIGHT'):
                raise AssertionError('unexpected %s in VTIMEZONE %s' % (sub.name, self.tzid))
            if 'RRULE' in sub or 'RDATE' in sub:
                raise AssertionError('observance with RRULE/RDATE in %s' % self.tzid)
            start = sub['DTSTART'].dt
            if not isinstance(start, dt.datetime) or start.tzinfo is not None:
                raise AssertionError('%s: DTSTART %r is not a local date-time' % (self.tzid, start))
            frm = sub['TZOFFSETFROM'].td
            to = sub['TZOFFSETTO'].td
            self.observances.append((start - frm, frm, to, str(sub['TZNAME']), sub.name))
        if not self.observances:
            raise AssertionError('VTIMEZONE %s has no observance' % self.tzid)
        self.observances.sort(key=lambda o: o[0])
        self.offsets = sorted({o[1] for o in self.observances} | {o[2] for o in self.observances})

    def offset_at(self, utc_naive):
        offset = self.observances[0][1]
        for onset, _, to, _, _ in self.observances:
            if onset <= utc_naive:
                offset = to
            else:
                break
        return offset

    def resolve(self, local, fold=0):
        """The naive UTC instant of a naive local time."""
        candidates = sorted(local - off for off in self.offsets
                            if self.offset_at(local - off) == off)
        if candidates:
            return candidates[-1] if fold else candidates[0]
        for onset, frm, to, _, _ in self.observances:
            if onset + frm <= local < onset + to:
                return local - frm
        raise AssertionError('%s: no instant for local time %s' % (self.tzid, local))

    def utcoffset(self, d):
        if d is None:
            return None
        local = d.replace(tzinfo=None)
        return local - self.resolve(local, d.fold)

    def dst(self, d):
        return None

    def tzname(self, d):
        utc = d.replace(tzinfo=None) - self.utcoffset(d)
        name = self.observances[0][3]
        for onset, _, _, n, _ in self.observances:
            if onset <= utc:
                name = n
        return name

    def fromutc(self, d):
        utc = d.replace(tzinfo=None)
        local = utc + self.offset_at(utc)
        fold = 0 if self.resolve(local, 0) == utc else 1
        return local.replace(tzinfo=self, fold=fold)


def setUpModule():
    global EXPECTED
    subprocess.run([PROGRAM, OUT], check=True)
    with open(os.path.join(OUT, 'expected.json'), encoding='utf-8') as f:
        EXPECTED = json.load(f)
    for cal in EXPECTED['calendars']:
        with open(os.path.join(OUT, cal['file']), 'rb') as f:
            RAW[cal['file']] = f.read()
        CALENDARS[cal['file']] = icalendar.Calendar.from_ical(RAW[cal['file']])


def events_of(calendar):
    return [c for c in calendar.subcomponents if c.name == 'VEVENT']


def vtimezones_of(calendar):
    return {str(c['TZID']): c for c in calendar.subcomponents if c.name == 'VTIMEZONE'}


def as_list(value):
    return value if isinstance(value, list) else [value]


def property_parts(prop, params=None):
    """(naive wall time, TZID or None for UTC) of a DATE-TIME property as written. For one
    value of a list (EXDATE) pass the list's params."""
    value = prop.dt
    if not isinstance(value, dt.datetime):
        raise AssertionError('not a DATE-TIME: %r' % (value,))
    tzid = (prop.params if params is None else params).get('TZID')
    if tzid is None:
        if value.tzinfo is None or value.utcoffset() != dt.timedelta(0):
            raise AssertionError('a time without TZID must be UTC: %r' % (value,))
        return value.replace(tzinfo=None), None
    return value.replace(tzinfo=None), str(tzid)


def find_event(calendar, uid, recurrence_id):
    found = []
    for ev in events_of(calendar):
        if str(ev['UID']) != uid:
            continue
        rid = None
        if 'RECURRENCE-ID' in ev:
            rid = resolve_zoneinfo(*property_parts(ev['RECURRENCE-ID']))
        if rid == recurrence_id:
            found.append(ev)
    if len(found) != 1:
        raise AssertionError('%d events with UID %s and RECURRENCE-ID %s' %
                             (len(found), uid, recurrence_id))
    return found[0]


def resolve_zoneinfo(local, tzid):
    """Unix seconds of a written time, by TZID name with zoneinfo (RFC 5545: fold=0)."""
    if tzid is None:
        return unix_of_naive_utc(local)
    return unix_of_aware(local.replace(tzinfo=zoneinfo.ZoneInfo(tzid), fold=0))


def normalize_text(text):
    return text.replace('\r\n', '\n').replace('\r', '\n')


def time_properties(ev):
    """(name, naive wall time, TZID or None) of every DATE-TIME boka writes in the form of
    DTSTART, in the order it writes them."""
    out = [('DTSTART',) + property_parts(ev['DTSTART']),
           ('DTEND',) + property_parts(ev['DTEND'])]
    if 'RECURRENCE-ID' in ev:
        out.append(('RECURRENCE-ID',) + property_parts(ev['RECURRENCE-ID']))
    if 'EXDATE' in ev:
        for prop in as_list(ev['EXDATE']):
            for d in prop.dts:
                out.append(('EXDATE',) + property_parts(d, getattr(prop, 'params', {})))
    return out


def expected_times(e):
    """The same list as time_properties, as Unix seconds from expected.json."""
    out = [('DTSTART', e['start']), ('DTEND', e['end'])]
    if e['recurrence_id'] is not None:
        out.append(('RECURRENCE-ID', e['recurrence_id']))
    out.extend(('EXDATE', x) for x in e['exdates'])
    return out


class RawTextTest(unittest.TestCase):
    def test_crlf_and_folding(self):
        for name, raw in RAW.items():
            with self.subTest(file=name):
                self.assertTrue(raw.endswith(b'\r\n'))
                lines = raw.split(b'\r\n')
                self.assertEqual(lines[-1], b'')
                for line in lines[:-1]:
                    self.assertNotIn(b'\r', line)
                    self.assertNotIn(b'\n', line)
                    self.assertLessEqual(len(line), 75, line)
                    line.decode('utf-8')  # strict: a split character raises
                self.assertEqual(lines[0], b'BEGIN:VCALENDAR')
                self.assertEqual(lines[-2], b'END:VCALENDAR')

    def test_some_lines_are_folded_and_unfold_to_valid_utf8(self):
        raw = RAW['unicode.ics']
        self.assertIn(b'\r\n ', raw)
        unfolded = raw.replace(b'\r\n ', b'').decode('utf-8')
        self.assertTrue(any(len(l.encode('utf-8')) > 75 for l in unfolded.split('\r\n')))


class CalendarTest(unittest.TestCase):
    def test_calendar_properties(self):
        for cal in EXPECTED['calendars']:
            c = CALENDARS[cal['file']]
            with self.subTest(file=cal['file']):
                self.assertEqual(str(c['VERSION']), '2.0')
                self.assertTrue(str(c['PRODID']).startswith('-//boka//boka '))
                self.assertTrue(str(c['PRODID']).endswith('//EN'))
                self.assertEqual(str(c['CALSCALE']), 'GREGORIAN')
                if cal['method'] is None:
                    self.assertNotIn('METHOD', c)
                else:
                    self.assertEqual(str(c['METHOD']), cal['method'])
                if cal['name']:
                    self.assertEqual(str(c['X-WR-CALNAME']), cal['name'])
                self.assertEqual(len(events_of(c)), len(cal['events']))

    def test_refresh_interval(self):
        c = CALENDARS['utc.ics']
        self.assertEqual(c['REFRESH-INTERVAL'].params.get('VALUE'), 'DURATION')
        self.assertEqual(icalendar.prop.vDuration.from_ical(str(c['X-PUBLISHED-TTL'])), HOUR)

    def test_event_properties_read_back(self):
        for cal in EXPECTED['calendars']:
            c = CALENDARS[cal['file']]
            for e in cal['events']:
                with self.subTest(file=cal['file'], uid=e['uid'], rid=e['recurrence_id']):
                    ev = find_event(c, e['uid'], e['recurrence_id'])
                    self.assertEqual(str(ev['STATUS']), e['status'])
                    self.assertEqual(int(ev['SEQUENCE']), e['sequence'])
                    self.assertEqual(str(ev['SUMMARY']), normalize_text(e['summary']))
                    for key, field in (('DESCRIPTION', 'description'), ('LOCATION', 'location')):
                        if e[field]:
                            self.assertEqual(str(ev[key]), normalize_text(e[field]))
                        else:
                            self.assertNotIn(key, ev)
                    self.assertEqual(str(ev['TRANSP']), 'OPAQUE')
                    stamp = ev['DTSTAMP'].dt
                    self.assertEqual(stamp.utcoffset(), dt.timedelta(0))
                    if e['organizer'] is None:
                        self.assertNotIn('ORGANIZER', ev)
                    else:
                        self.assertEqual(str(ev['ORGANIZER']), 'mailto:' + e['organizer'])
                    attendees = as_list(ev['ATTENDEE']) if 'ATTENDEE' in ev else []
                    self.assertEqual([str(a) for a in attendees],
                                     ['mailto:' + a['email'] for a in e['attendees']])
                    for a, want in zip(attendees, e['attendees']):
                        self.assertEqual(a.params.get('CN'), want['name'] or None)
                        self.assertEqual(a.params.get('RSVP'), 'FALSE')
                    if e['rrule'] is None:
                        self.assertNotIn('RRULE', ev)

    def test_cancellation_follows_the_request(self):
        request = events_of(CALENDARS['request.ics'])[0]
        cancel = events_of(CALENDARS['cancelled.ics'])[0]
        self.assertEqual(str(request['UID']), str(cancel['UID']))
        self.assertEqual(str(cancel['STATUS']), 'CANCELLED')
        self.assertEqual(int(cancel['SEQUENCE']), 3)
        self.assertGreater(int(cancel['SEQUENCE']), int(request['SEQUENCE']))


class TimeTest(unittest.TestCase):
    def test_each_tzid_has_one_vtimezone_and_each_vtimezone_is_used(self):
        for cal in EXPECTED['calendars']:
            c = CALENDARS[cal['file']]
            with self.subTest(file=cal['file']):
                zones = [x for x in c.subcomponents if x.name == 'VTIMEZONE']
                names = [str(z['TZID']) for z in zones]
                self.assertEqual(len(names), len(set(names)))
                used = set()
                for ev in events_of(c):
                    for _, _, tzid in time_properties(ev):
                        if tzid is not None:
                            used.add(tzid)
                self.assertEqual(used, set(names))

    def test_times_resolve_to_the_exact_instants(self):
        for cal in EXPECTED['calendars']:
            c = CALENDARS[cal['file']]
            zones = {k: VTimezoneInfo(v) for k, v in vtimezones_of(c).items()}
            pytz_zones = {k: v.to_tz() for k, v in vtimezones_of(c).items()}
            for e in cal['events']:
                ev = find_event(c, e['uid'], e['recurrence_id'])
                written = time_properties(ev)
                want = expected_times(e)
                self.assertEqual([w[0] for w in written], [n for n, _ in want])
                for (name, local, tzid), (_, seconds) in zip(written, want):
                    with self.subTest(file=cal['file'], uid=e['uid'], prop=name):
                        if e['zone'] is None:
                            self.assertIsNone(tzid)
                        # 1. By the TZID's name, with zoneinfo.
                        self.assertEqual(resolve_zoneinfo(local, tzid), seconds)
                        if tzid is None:
                            continue
                        self.assertEqual(tzid, e['zone'])
                        # 2. From the VTIMEZONE, with the resolver above.
                        utc = zones[tzid].resolve(local)
                        self.assertEqual(unix_of_naive_utc(utc), seconds)
                        # 3. From the VTIMEZONE, with icalendar's own conversion (pytz:
                        # an ambiguous time needs is_dst=True for RFC 5545's first pass).
                        tz = pytz_zones[tzid]
                        try:
                            aware = tz.localize(local, is_dst=None)
                        except pytz.exceptions.AmbiguousTimeError:
                            aware = tz.localize(local, is_dst=True)
                        self.assertEqual(unix_of_aware(aware), seconds)

    def test_repeated_hour_of_a_single_event_is_written_in_utc(self):
        berlin = CALENDARS['berlin.ics']
        b4 = find_event(berlin, 'b4@example.com', None)  # 02:30 first pass to second pass
        self.assertNotIn('TZID', b4['DTSTART'].params)
        self.assertNotIn('TZID', b4['DTEND'].params)
        b5 = find_event(berlin, 'b5@example.com', None)  # 02:30 second pass to 03:30 CET
        self.assertNotIn('TZID', b5['DTSTART'].params)
        self.assertEqual(str(b5['DTEND'].params['TZID']), 'Europe/Berlin')

    def test_vtimezones_agree_with_the_tzdb(self):
        for cal in EXPECTED['calendars']:
            c = CALENDARS[cal['file']]
            for tzid, vtz in vtimezones_of(c).items():
                mine = VTimezoneInfo(vtz)
                tzdb = zoneinfo.ZoneInfo(tzid)

                def tzdb_offset(utc_naive):
                    return tzdb.utcoffset(utc_naive.replace(tzinfo=dt.timezone.utc)
                                          .astimezone(tzdb))

                with self.subTest(file=cal['file'], tzid=tzid):
                    for i, (onset, frm, to, name, kind) in enumerate(mine.observances):
                        self.assertEqual(tzdb_offset(onset), to, (tzid, onset))
                        if i > 0 or frm != to:  # the first may be a clipped start
                            self.assertEqual(tzdb_offset(onset - dt.timedelta(seconds=1)),
                                             frm, (tzid, onset))
                        # DAYLIGHT where the tzdb flags daylight time (none of these
                        # zones has negative DST).
                        aware = onset.replace(tzinfo=dt.timezone.utc).astimezone(tzdb)
                        self.assertEqual(kind == 'DAYLIGHT', bool(aware.dst()), (tzid, onset))
                    # Hour by hour over every instant the events need in this zone.
                    instants = []
                    for e in cal['events']:
                        if e['zone'] == tzid:
                            instants += [e['start'], e['end']] + e['exdates'] + e['occurrences']
                    t = naive_utc_of_unix(min(instants)) - dt.timedelta(days=1)
                    end = naive_utc_of_unix(max(instants)) + dt.timedelta(days=1)
                    while t <= end:
                        self.assertEqual(mine.offset_at(t), tzdb_offset(t), (tzid, t))
                        t += HOUR


class RecurrenceTest(unittest.TestCase):
    def series(self):
        for cal in EXPECTED['calendars']:
            c = CALENDARS[cal['file']]
            zones = {k: VTimezoneInfo(v) for k, v in vtimezones_of(c).items()}
            for e in cal['events']:
                if e['rrule'] is not None:
                    yield cal, c, zones, e, find_event(c, e['uid'], None)

    def expand(self, ev, tzinfo):
        local, tzid = property_parts(ev['DTSTART'])
        rule = ev['RRULE'].to_ical().decode('ascii')
        start = local.replace(tzinfo=tzinfo, fold=0)
        excluded = {resolve_zoneinfo(local, tzid)
                    for name, local, tzid in time_properties(ev) if name == 'EXDATE'}
        out = []
        for i, occurrence in enumerate(rrulestr(rule, dtstart=start)):
            self.assertLess(i, 5000, 'runaway expansion of ' + rule)
            out.append(occurrence)
        return out, excluded

    def test_rrule_expansion_matches_boka(self):
        count = 0
        for cal, c, zones, e, ev in self.series():
            count += 1
            tzid = str(ev['DTSTART'].params['TZID'])
            for label, tzinfo in (('VTIMEZONE', zones[tzid]), ('zoneinfo', zoneinfo.ZoneInfo(tzid))):
                with self.subTest(file=cal['file'], uid=e['uid'], zone=label):
                    occurrences, excluded = self.expand(ev, tzinfo)
                    starts = [unix_of_aware(o) for o in occurrences]
                    self.assertTrue(excluded <= set(starts), 'an EXDATE names no occurrence')
                    kept = [s for s in starts if s not in excluded]
                    self.assertEqual(kept, e['occurrences'])
                    # The series crosses a change of UTC offset and keeps its wall time.
                    offsets = {o.utcoffset() for o in occurrences}
                    self.assertEqual(len(offsets), 2, e['uid'])
                    walls = {(o.hour, o.minute) for o in occurrences}
                    self.assertEqual(len(walls), 1)
                    local_start, _ = property_parts(ev['DTSTART'])
                    self.assertEqual(walls, {(local_start.hour, local_start.minute)})
                    # The UTC instants really move with the offset: the wall time in
                    # zoneinfo of each UTC instant is the same local time.
                    tz = zoneinfo.ZoneInfo(tzid)
                    for s in kept:
                        w = dt.datetime.fromtimestamp(s, tz)
                        self.assertEqual((w.hour, w.minute), (local_start.hour, local_start.minute))
        self.assertGreaterEqual(count, 5)

    def test_until_is_utc(self):
        for cal, c, zones, e, ev in self.series():
            until = ev['RRULE'].get('UNTIL')
            if until:
                with self.subTest(uid=e['uid']):
                    self.assertEqual(until[0].utcoffset(), dt.timedelta(0))

    def test_overrides_name_an_occurrence(self):
        overrides = 0
        for cal in EXPECTED['calendars']:
            c = CALENDARS[cal['file']]
            for e in cal['events']:
                if e['recurrence_id'] is None:
                    continue
                overrides += 1
                master = [m for m in cal['events']
                          if m['uid'] == e['uid'] and m['recurrence_id'] is None]
                self.assertEqual(len(master), 1)
                self.assertIn(e['recurrence_id'], master[0]['occurrences'])
                ev = find_event(c, e['uid'], e['recurrence_id'])
                self.assertGreater(int(ev['SEQUENCE']), 0)
        self.assertEqual(overrides, 1)


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    PROGRAM, OUT = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], '-v'] + sys.argv[3:])
