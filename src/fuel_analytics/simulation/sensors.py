"""From the true history to readings: when the device samples, and what each sensor says.

The sampling clock and the sensor noise use separate random streams, so counting a truck's
readings only needs the clock. Sensors: a float fuel gauge with noise (± 0.5-1.5 %),
0.4 % quantisation and slosh while moving; ECU counters rounded to their resolution; engine
temperatures that warm up and cool down (first-order lag); an ambient daily cycle.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime

from fuel_analytics.domain.model import Reading
from fuel_analytics.simulation.duty import DAY, HOUR, Plan
from fuel_analytics.simulation.events import (
    FLAP_AMPLITUDE_PCT,
    GLITCH_BLOCK,
    SensorScript,
)
from fuel_analytics.simulation.plan import DRIVE, IDLE


def sample_times(
    plan: Plan, script: SensorScript, interval_s: tuple[int, int], seed: int
) -> Iterator[tuple[int, int, int]]:
    """Yield ``(ts, phase index, forced block index or -1)`` in strictly increasing ts.

    The device samples every ``interval_s`` while awake (engine on, fuel changing, or shortly
    after the engine stopped) and every ``sleep_interval_s`` when asleep; it wakes up at the
    next awake phase. Offline windows are silent; forced blocks are sampled at their times.
    """
    phases = plan.phases
    n = len(phases)
    if n == 0:
        return
    rand = random.Random(f"{seed}/{plan.profile.index}/clock").random
    lo, hi = interval_s
    span = hi - lo + 1
    sleep_lo, sleep_hi = plan.profile.sleep_interval_s
    sleep_span = sleep_hi - sleep_lo + 1
    next_awake = [math.inf] * n
    upcoming = math.inf
    for i in range(n - 1, -1, -1):
        next_awake[i] = upcoming
        if phases[i].active:
            upcoming = phases[i].t0
    blocks, offline = script.blocks, script.offline
    end = math.floor(plan.end)
    t = math.ceil(plan.start) + int(rand() * hi)
    i = bi = oi = 0
    last = -1
    while True:
        if bi < len(blocks) and blocks[bi].times[0] <= t:
            for forced in blocks[bi].times:
                if last < forced <= end:
                    while i < n - 1 and phases[i].t1 <= forced:
                        i += 1
                    yield forced, i, bi
                    last = forced
            bi += 1
            t = max(t, last + lo + int(rand() * span))
            continue
        if t > end:
            return
        while oi < len(offline) and offline[oi][1] <= t:
            oi += 1
        if oi < len(offline) and offline[oi][0] <= t:
            t = math.ceil(offline[oi][1]) + int(rand() * hi)
            continue
        while i < n - 1 and phases[i].t1 <= t:
            i += 1
        yield t, i, -1
        last = t
        if phases[i].active:
            t += lo + int(rand() * span)
        else:
            nxt = t + sleep_lo + int(rand() * sleep_span)
            wake = next_awake[i]
            if wake < nxt:
                nxt = max(t + 1, int(wake) + 5 + int(rand() * 40))
            t = nxt


def count_readings(plan: Plan, script: SensorScript, interval_s: tuple[int, int], seed: int) -> int:
    return sum(1 for _ in sample_times(plan, script, interval_s, seed))


def render(
    plan: Plan, script: SensorScript, interval_s: tuple[int, int], seed: int
) -> Iterator[Reading]:
    """The truck's readings in time order, generated lazily.

    Written for speed (a few hundred thousand readings per fleet): values are rounded with
    ``round(x * 10) / 10`` (cheaper than ``round(x, 1)``, same result) and attributes are
    hoisted out of the loop.
    """
    p = plan.profile
    truck_id, cap, phases, def_levels = p.truck_id, p.capacity, plan.phases, plan.def_levels
    rng = random.Random(f"{seed}/{p.index}/noise")
    r = rng.random
    exp, sin, to_datetime = math.exp, math.sin, datetime.fromtimestamp
    start, off_s = plan.start, p.utc_offset_hours * HOUR
    day_offsets = [rng.uniform(-7.0, 7.0) for _ in range(int((plan.end - start) / DAY) + 3)]
    slosh_w = 2 * math.pi / rng.uniform(900.0, 2400.0)
    slosh_phase = rng.uniform(0, 2 * math.pi)
    noise, slosh, harshness = p.level_noise_pct, p.slosh_pct, p.harshness
    has_counter, has_odo = p.has_fuel_counter, p.has_odometer
    fuel0, idle_fuel0, odo0 = p.fuel_counter0, p.idle_fuel_counter0, p.odometer0
    eng0, idle0 = p.engine_hours0, p.idle_hours0
    amb0, amb_amp = p.ambient_mean_f, p.ambient_amp_f
    coolant_off, oil_off = 186 + p.coolant_offset, 198 + p.oil_temp_offset
    oil_p0, run_v, rest_v = p.oil_pressure_base, p.battery_run_v, p.battery_rest_v
    blocks, flaps, dtcs, stuck = script.blocks, script.flaps, script.dtcs, script.stuck
    coolant_drift, battery_drift, oil_drift = script.coolant, script.battery, script.oil_pressure
    fi = 0
    last_fuel = last_idle_fuel = last_odo = last_eng = last_idle_h = 0.0
    prev_t = start
    coolant = oil_t = trans = intake = amb0
    for t, i, bi in sample_times(plan, script, interval_s, seed):
        ph = phases[i]
        t0 = ph.t0
        dur = ph.t1 - t0
        f = (t - t0) / dur if dur > 0 else 0.0
        if f > 1.0:
            f = 1.0
        kind = ph.kind
        moving, engine = kind == DRIVE, kind <= IDLE
        # ambient: daily cycle (min ~03:00, max ~15:00 local) plus a smooth day-to-day drift
        day_f = (t - start) / DAY
        k = int(day_f)
        drift = day_offsets[k] + (day_offsets[k + 1] - day_offsets[k]) * (day_f - k)
        amb = amb0 + amb_amp * sin((((t + off_s) % DAY) / HOUR - 9.0) * 0.2617993877991494) + drift
        if moving:
            city = ph.city
            speed = ph.speed + (r() + r() - 1.0) * (4.0 if city else 1.5)
            if speed < 5.0:
                speed = 5.0 + r()
            rpm = ph.rpm + (r() - 0.5) * (300.0 if city else 60.0)
            load = ph.load + (r() - 0.5) * 12
            load = 100.0 if load > 100.0 else 5.0 if load < 5.0 else load
            rate = ph.gph * speed / ph.speed * (1.0 + (r() - 0.5) * 0.06)
            boost = 2.0 + 0.45 * load + (r() - 0.5) * 2
            harsh = harshness * (2.5 if city else 1.0)
            accel: bool | None = r() < 0.0008 * harsh
            brake: bool | None = r() < 0.0012 * harsh
        elif engine:
            speed, accel, brake = 0.0, False, False
            rpm = ph.rpm + (r() - 0.5) * 20
            load = ph.load + (r() - 0.5) * 3
            rate = ph.gph + (r() - 0.5) * 0.08
            boost = 0.5 + r()
        else:
            speed = rpm = load = rate = boost = 0.0
            accel = brake = None
        # fuel gauge: noise, slosh while moving, flapping, glitches; 0.4 % steps
        level = (ph.tank0 + (ph.tank1 - ph.tank0) * f) / cap * 100
        gauge = level + (r() + r() - 1.0) * noise
        if moving:
            gauge += slosh * sin(t * slosh_w + slosh_phase) + (r() - 0.5) * slosh
        if flaps:
            while fi < len(flaps) and flaps[fi][1] <= t:
                fi += 1
            if fi < len(flaps) and flaps[fi][0] <= t:
                gauge += (2 * r() - 1) * FLAP_AMPLITUDE_PCT
        if bi >= 0:
            block = blocks[bi]
            if block.kind == GLITCH_BLOCK:
                gauge = max(0.4, level - block.drop_pct + (r() - 0.5))
            else:
                gauge = 0.0
        fuel_pct = round(gauge * 2.5) / 2.5
        fuel_pct = 100.0 if fuel_pct > 100.0 else 0.0 if fuel_pct < 0.0 else fuel_pct
        # engine temperatures: first-order lag toward a target
        dt = t - prev_t
        prev_t = t
        if engine:
            creep = coolant_drift.delta(t) if coolant_drift is not None else 0.0
            target = coolant_off + 0.08 * load + 0.06 * (amb - 50) + creep
            coolant = target + (coolant - target) * exp(-dt / 360)
            target = oil_off + 0.25 * load
            oil_t = target + (oil_t - target) * exp(-dt / 720)
            target = 150 + 0.45 * load if moving else 135.0
            trans = target + (trans - target) * exp(-dt / 900)
            target = amb + 12 + 0.35 * load
            intake = target + (intake - target) * exp(-dt / 180)
            pressure = oil_p0 + 0.008 * (rpm - 650) + (r() - 0.5) * 3
            if oil_drift is not None:
                pressure += oil_drift.delta(t)
            if pressure < 0.0:
                pressure = 0.0
            volts = run_v + (r() - 0.5) * 0.1
            codes: tuple[str, ...] | None = (
                tuple(sorted(c for a, b, c in dtcs if a <= t < b)) if dtcs else ()
            )
        else:
            cool = exp(-dt / 5000)
            coolant = amb + (coolant - amb) * cool
            oil_t = amb + (oil_t - amb) * cool
            trans = amb + (trans - amb) * cool
            intake = amb + 4 + (intake - amb - 4) * exp(-dt / 1800)
            pressure = 0.0
            sag = 0.015 * (t - ph.off_since) / HOUR
            volts = rest_v - (0.12 if sag > 0.12 else sag) + (r() - 0.5) * 0.06
            if battery_drift is not None:
                volts += battery_drift.delta(t)
            codes = None
        oil_reading = round((oil_t + (r() - 0.5) * 1.6) * 10) / 10
        if stuck is not None and stuck[0] <= t < stuck[1]:
            oil_reading = stuck[2]
        # ECU counters: monotonic, rounded to their resolution
        total_fuel = idle_fuel = odo = None
        if has_counter:
            value = round((fuel0 + ph.burn0 + (ph.burn1 - ph.burn0) * f) * 10) / 10
            if value > last_fuel:
                last_fuel = value
            value = (
                round((idle_fuel0 + ph.idle_burn0 + (ph.idle_burn1 - ph.idle_burn0) * f) * 10) / 10
            )
            if value > last_idle_fuel:
                last_idle_fuel = value
            total_fuel, idle_fuel = last_fuel, last_idle_fuel
        if has_odo:
            value = round((odo0 + ph.odo0 + (ph.odo1 - ph.odo0) * f) * 10) / 10
            if value > last_odo:
                last_odo = value
            odo = last_odo
        value = round((eng0 + ph.eng_h0 + (ph.eng_h1 - ph.eng_h0) * f) * 20) / 20
        if value > last_eng:
            last_eng = value
        value = round((idle0 + ph.idle_h0 + (ph.idle_h1 - ph.idle_h0) * f) * 20) / 20
        if value > last_idle_h:
            last_idle_h = value
        if moving:
            lat = ph.lat0 + (ph.lat1 - ph.lat0) * f
            lon = ph.lon0 + (ph.lon1 - ph.lon0) * f
        else:
            lat = ph.lat0 + (r() - 0.5) * 0.00006
            lon = ph.lon0 + (r() - 0.5) * 0.00006
        d0 = def_levels[i]
        def_pct = round((d0 + (def_levels[i + 1] - d0) * f + (r() + r() - 1.0) * 0.9) * 2.5) / 2.5
        yield Reading(
            truck_id=truck_id,
            ts=to_datetime(t, UTC),
            fuel_level_pct=fuel_pct,
            fuel_rate_gph=round(rate * 100) / 100,
            total_fuel_gal=total_fuel,
            total_idle_fuel_gal=idle_fuel,
            speed_mph=round(speed * 10) / 10,
            rpm=float(round(rpm)),
            odometer_mi=odo,
            engine_hours=last_eng,
            idle_hours=last_idle_h,
            engine_load_pct=round(load * 10) / 10,
            coolant_temp_f=round((coolant + (r() - 0.5) * 1.6) * 10) / 10,
            oil_temp_f=oil_reading,
            trans_temp_f=round((trans + (r() - 0.5) * 1.6) * 10) / 10,
            intake_air_temp_f=round((intake + (r() - 0.5) * 1.6) * 10) / 10,
            ambient_temp_f=round((amb + (r() - 0.5) * 0.8) * 10) / 10,
            oil_pressure_psi=round(pressure * 10) / 10,
            boost_pressure_psi=round(boost * 10) / 10,
            battery_voltage=round(volts * 100) / 100,
            def_level_pct=100.0 if def_pct > 100.0 else 0.0 if def_pct < 0.0 else def_pct,
            lat=round(lat * 100_000) / 100_000,
            lon=round(lon * 100_000) / 100_000,
            dtc_codes=codes,
            driver_id=ph.driver,
            harsh_accel=accel,
            harsh_brake=brake,
        )
