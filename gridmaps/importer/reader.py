"""Reading source layers with GDAL/OGR into plain columns, geometries in WGS84 lon/lat.

Sources: anything OGR reads; tested with Shapefile (+ .prj, .cpg), GeoPackage, GeoJSON, FileGDB
(OpenFileGDB) and CSV with a WKT column. The imported path is a dataset (a file, or a ``.gdb``
folder) or a folder of datasets; a layer is found by name across them (a shapefile's or a
GeoJSON file's layer is its file stem), or in the dataset the mapping names with ``file``.

CRS contract: the source's own CRS, else the mapping's ``crs``; ``force_crs`` prefers the
mapping's. No CRS at all is a ``SourceError``. Both ends use OAMS_TRADITIONAL_GIS_ORDER, so
coordinates are always (x=lon/easting, y=lat/northing) whatever the EPSG axis order says.

This module turns on GDAL's Python exceptions (the GDAL 4 default) for ogr, osr and gdal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import shapely
from osgeo import gdal, ogr, osr

from gridmaps.importer.mapping import LayerSpec, Settings

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()

__all__ = ["DATASET_SUFFIXES", "LayerData", "Source", "SourceError", "read_layer"]

DATASET_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".csv", ".gdb", ".sqlite", ".fgb")
PROGRESS_EVERY = 5000
USE_ARROW = True  # read through GDAL's Arrow stream where it works (tests compare both ways)
NON_SPATIAL_PARTS = ("city", "departments", "duty_grids", "roster")

Progress = Callable[[str, int, int | None], None]


class SourceError(Exception):
    """The source cannot be read as the mapping says. ``problem_type``: unreadable, unknown_layer,
    unknown_field, no_crs, bad_crs, no_geometry."""

    def __init__(self, problem_type: str, message: str, layer: str = ""):
        super().__init__(message)
        self.problem_type = problem_type
        self.layer = layer


@dataclass
class LayerData:
    """One source layer as columns. ``values[field][k]`` is feature k's value ("" for null),
    already passed through the mapping's ``values`` table; ``geoms[k]`` a shapely geometry in
    WGS84 lon/lat or None."""

    source: str
    fids: list[int]
    values: dict[str, list[str]]
    geoms: np.ndarray


def _wgs84() -> osr.SpatialReference:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _user_srs(text: str, label: str) -> osr.SpatialReference:
    srs = osr.SpatialReference()
    try:
        srs.SetFromUserInput(text)
    except RuntimeError as e:
        raise SourceError("bad_crs", f"{label}: the mapping's crs {text[:80]!r} is not a CRS: {e}", label) from None
    return srs


class Source:
    """The datasets under an imported path, and which layer lives where."""

    def __init__(self, path: str | Path):
        path = Path(path)
        if not path.exists():
            raise SourceError("unreadable", f"{path} does not exist")
        self.root = path
        if path.is_dir() and path.suffix.lower() != ".gdb":
            entries = [p for p in sorted(path.iterdir()) if not p.name.startswith((".", "__MACOSX"))]
            # An unpacked archive often holds one folder with the data in it.
            if len(entries) == 1 and entries[0].is_dir() and entries[0].suffix.lower() != ".gdb":
                self.__init__(entries[0])
                return
            shapefiles = {p.stem for p in entries if p.suffix.lower() == ".shp"}
            # A lone .dbf is a shapefile table without geometry (departments, say).
            self.datasets = [p for p in entries if p.suffix.lower() in DATASET_SUFFIXES
                             or (p.suffix.lower() == ".dbf" and p.stem not in shapefiles)]
        else:
            self.datasets = [path]
        self._layers: dict[str, Path] | None = None

    def layers(self) -> dict[str, Path]:
        """{layer name: dataset} over every dataset that opens, each opened once. A file that
        does not open (a stray note, a broken export the mapping never names) is left out and
        remembered in ``unreadable``: it matters only if a named layer is then missing."""
        if self._layers is None:
            found: dict[str, Path] = {}
            self.unreadable: dict[str, str] = {}
            for ds_path in self.datasets:
                try:
                    ds = _open(ds_path, (), ds_path.name)
                except SourceError as e:
                    if len(self.datasets) == 1:  # the source itself, not a stray file beside it
                        raise
                    self.unreadable[ds_path.name] = str(e)
                    continue
                for i in range(ds.GetLayerCount()):
                    found.setdefault(ds.GetLayer(i).GetName(), ds_path)
            self._layers = found
        return self._layers

    def _by_stem(self, layer: str) -> Path | None:
        """The one dataset named like the layer (cells.shp, cells.geojson for layer "cells")."""
        hits = [p for p in self.datasets if p.stem.lower() == layer.lower() and not p.is_dir()]
        return hits[0] if len(hits) == 1 else None

    def locate(self, spec: LayerSpec) -> tuple[Path, str | None]:
        """(dataset, layer name or None for its only layer); raises SourceError unknown_layer.

        Only what the mapping names is opened when it can be found by name: a ``file``, else a
        dataset whose stem is the layer's name; other files are opened only to look for a
        layer inside a multi-layer dataset (a GeoPackage), and one that does not open is then
        skipped, not fatal."""
        if spec.file:
            base = self.root if self.root.is_dir() else self.root.parent
            ds_path = base / spec.file
            if not ds_path.exists():
                raise SourceError("unknown_layer", f"[layers.{spec.part}]: file {spec.file} is not in the source",
                                  spec.label)
            return ds_path, spec.layer or None
        named = self._by_stem(spec.layer) if len(self.datasets) > 1 else None
        if named is not None:
            ds = _open(named, (), spec.label)
            names = [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())]
            if spec.layer in names:
                return named, spec.layer
            folded = {n.lower(): n for n in names}
            if spec.layer.lower() in folded:
                return named, folded[spec.layer.lower()]
        layers = self.layers()
        if spec.layer in layers:
            return layers[spec.layer], spec.layer
        folded = {name.lower(): name for name in layers}
        if spec.layer.lower() in folded:
            name = folded[spec.layer.lower()]
            return layers[name], name
        skipped = "".join(f"; {name} did not open ({why})" for name, why in sorted(self.unreadable.items()))
        raise SourceError("unknown_layer", f"[layers.{spec.part}]: no layer {spec.layer!r} in the source; it has: "
                          f"{', '.join(sorted(layers)) or '(no layers)'}{skipped}", spec.label)


def _open(path: Path, options: tuple[str, ...], label: str):
    try:
        ds = gdal.OpenEx(str(path), gdal.OF_VECTOR | gdal.OF_READONLY, open_options=list(options))
    except RuntimeError as e:
        raise SourceError("unreadable", f"{label}: cannot open {path.name}: {e}", label) from None
    if ds is None:
        raise SourceError("unreadable", f"{label}: {path.name} is not a vector dataset GDAL can read", label)
    return ds


def read_layer(source: Source, spec: LayerSpec, settings: Settings, progress: Progress | None = None) -> LayerData:
    """Read one source layer as the mapping says. Raises SourceError."""
    ds_path, name = source.locate(spec)
    options = list(spec.open_options)
    encoding = spec.encoding or settings.encoding
    if encoding and ds_path.suffix.lower() in (".shp", ".dbf"):
        options.append(f"ENCODING={encoding}")
    ds = _open(ds_path, tuple(options), spec.label)
    if name is None:
        if ds.GetLayerCount() != 1:
            raise SourceError("unknown_layer", f"[layers.{spec.part}]: {ds_path.name} has {ds.GetLayerCount()} "
                              f"layers; name one with layer = \"...\"", spec.label)
        lyr = ds.GetLayer(0)
    else:
        lyr = ds.GetLayerByName(name)
    defn = lyr.GetLayerDefn()
    if lyr.GetFeatureCount() == 0:
        # An empty GeoJSON layer has no schema to name fields in: nothing to read either way.
        return LayerData(source=spec.label, fids=[], values={f: [] for f in spec.fields},
                         geoms=np.empty(0, dtype=object))
    columns = _columns(defn, spec)
    spatial = defn.GetGeomFieldCount() > 0
    if not spatial and spec.part not in NON_SPATIAL_PARTS:
        raise SourceError("no_geometry", f"{spec.label}: the layer has no geometry column (for CSV name it with "
                          f"open_options = [\"GEOM_POSSIBLE_NAMES=...\"])", spec.label)
    transform = _transform(lyr, spec, settings) if spatial else None

    total = lyr.GetFeatureCount(force=False)
    total = total if total >= 0 else None

    def report(n: int) -> None:
        if progress:
            progress(f"read {spec.label}", n, total)

    fids = None
    if USE_ARROW and not (spatial and ogr.GT_IsNonLinear(lyr.GetGeomType())):
        try:
            fids, raw, wkbs = _read_arrow(lyr, columns, spatial, report)
            geoms = _geometries(wkbs)
        except Exception:  # noqa: BLE001 - any trouble: the feature loop reads it, or says why not
            lyr.SetIgnoredFields([])
            fids = None
    if fids is None:
        fids, raw, wkbs = _read_features(lyr, columns, spatial, report, spec.label)
        geoms = _geometries(wkbs)
    if progress:
        progress(f"read {spec.label}", len(fids), len(fids))
    for fld, table in spec.values.items():
        if fld in raw and table:
            raw[fld] = [table.get(v, v) for v in raw[fld]]
    if len(geoms):
        if transform is not None:
            geoms = shapely.transform(geoms, transform)
        _check_degrees(geoms, spec)
    return LayerData(source=spec.label, fids=fids, values=raw, geoms=geoms)


def _geometries(wkbs: list) -> np.ndarray:
    geoms = np.empty(len(wkbs), dtype=object)
    if wkbs:
        arr = np.empty(len(wkbs), dtype=object)
        arr[:] = wkbs
        geoms[:] = list(shapely.force_2d(shapely.from_wkb(arr)))
    return geoms


def _read_features(lyr, columns, spatial: bool, report, label: str):
    """(fids, {field: values}, WKBs) feature by feature: slow but reads anything OGR reads."""
    fids: list[int] = []
    raw: dict[str, list[str]] = {f: [] for f in columns}
    wkbs: list = []
    try:
        lyr.ResetReading()
        for n, feat in enumerate(lyr, start=1):
            fids.append(feat.GetFID())
            for fld, (i, real) in columns.items():
                raw[fld].append(_value(feat, i, real))
            g = feat.GetGeometryRef() if spatial else None
            if g is not None and g.HasCurveGeometry():
                g = g.GetLinearGeometry()
            wkbs.append(bytes(g.ExportToIsoWkb()) if g is not None else None)
            if n % PROGRESS_EVERY == 0:
                report(n)
    except RuntimeError as e:
        raise SourceError("unreadable", f"{label}: reading stopped after {len(fids)} features: {e}", label) from None
    return fids, raw, wkbs


def _read_arrow(lyr, columns, spatial: bool, report):
    """The same as ``_read_features`` in column batches (GDAL's Arrow stream): about ten times
    faster on big layers. Only the mapped fields are read."""
    defn = lyr.GetLayerDefn()
    names = {fld: defn.GetFieldDefn(i).GetName() for fld, (i, _) in columns.items()}
    keep = set(names.values())
    lyr.SetIgnoredFields([defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())
                          if defn.GetFieldDefn(i).GetName() not in keep])
    fid_name = lyr.GetFIDColumn() or "OGC_FID"
    geom_name = lyr.GetGeometryColumn() or "wkb_geometry"
    fids: list[int] = []
    raw: dict[str, list[str]] = {f: [] for f in columns}
    wkbs: list = []
    lyr.ResetReading()
    for batch in lyr.GetArrowStreamAsNumPy(options=["INCLUDE_FID=YES", "MAX_FEATURES_IN_BATCH=50000"]):
        batch_fids = batch[fid_name].tolist()
        fids.extend(batch_fids)
        for fld, name in names.items():
            raw[fld].extend(_strings(batch[name]))
        if spatial:
            g = batch[geom_name]
            # Not g.filled(None): None there means "the default fill value", not None.
            mask = np.ma.getmaskarray(g).tolist() if np.ma.isMaskedArray(g) else None
            data = np.ma.getdata(g).tolist()
            wkbs.extend(data if mask is None else [None if m else w for w, m in zip(data, mask)])
        else:
            wkbs.extend([None] * len(batch_fids))
        report(len(fids))
    lyr.SetIgnoredFields([])
    return fids, raw, wkbs


def _strings(column) -> list[str]:
    """An Arrow column as the strings ``_value`` gives, "" for null."""
    mask = np.ma.getmaskarray(column) if np.ma.isMaskedArray(column) else None
    data = np.ma.getdata(column)
    if data.dtype.kind == "S":
        out = [b.decode("utf-8", "replace").strip() for b in data.tolist()]
    elif data.dtype.kind == "f":
        out = [str(int(x)) if x.is_integer() else repr(x) for x in data.tolist()]
    elif data.dtype.kind == "O":
        out = [(x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)).strip() if x is not None else ""
               for x in data.tolist()]
    else:
        out = [str(x) for x in data.tolist()]
    if mask is not None and mask.any():
        out = ["" if m else v for v, m in zip(out, mask.tolist())]
    return out


def _columns(defn, spec: LayerSpec) -> dict[str, tuple[int, bool]]:
    """{model field: (source field index, is a real number)}; raises SourceError unknown_field."""
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    columns = {}
    for model_field, src in spec.fields.items():
        i = defn.GetFieldIndex(src)
        if i < 0 and model_field in spec.optional_fields:
            continue  # a source written before the field existed: the field is left empty
        if i < 0:
            raise SourceError("unknown_field", f"{spec.label}: no field {src!r} (for {model_field}); the layer has: "
                              f"{', '.join(names) or '(no fields)'}", spec.label)
        columns[model_field] = (i, defn.GetFieldDefn(i).GetType() == ogr.OFTReal)
    return columns


def _value(feat, i: int, real: bool) -> str:
    if not feat.IsFieldSetAndNotNull(i):
        return ""
    if real:
        # Codes kept in numeric DBF columns come back as floats: 110101001001001.0 is a code.
        x = feat.GetFieldAsDouble(i)
        return str(int(x)) if x.is_integer() else repr(x)
    return feat.GetFieldAsString(i).strip()


def _transform(lyr, spec: LayerSpec, settings: Settings):
    """A shapely.transform function to WGS84 lon/lat, or None when the source is WGS84."""
    wanted = spec.crs or settings.crs
    srs = lyr.GetSpatialRef()
    if wanted and (srs is None or settings.force_crs):
        srs = _user_srs(wanted, spec.label)
    if srs is None:
        raise SourceError("no_crs", f"{spec.label}: the source has no CRS (a shapefile without its .prj, or a "
                          f"CSV?); name it in the mapping, e.g. crs = \"EPSG:4548\"", spec.label)
    srs = srs.Clone()
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    if srs.IsGeographic():
        minx, maxx, miny, maxy = lyr.GetExtent(force=True) if lyr.GetFeatureCount() else (0, 0, 0, 0)
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            raise SourceError("bad_crs", f"{spec.label}: coordinates up to ({maxx:.0f}, {maxy:.0f}) are not degrees, "
                              f"but the source says {srs.GetName()}; name the right CRS in the mapping with "
                              f"force_crs = true", spec.label)
    dst = _wgs84()
    if srs.IsSame(dst):
        return None
    try:
        ct = osr.CoordinateTransformation(srs, dst)
    except RuntimeError as e:
        raise SourceError("bad_crs", f"{spec.label}: no transformation from {srs.GetName()} to WGS84: {e}",
                          spec.label) from None

    def to_wgs84(coords: np.ndarray) -> np.ndarray:
        if len(coords) == 0:
            return coords
        return np.asarray(ct.TransformPoints(np.ascontiguousarray(coords, dtype=float)), dtype=float)[:, :2]

    return to_wgs84


def _check_degrees(geoms: np.ndarray, spec: LayerSpec) -> None:
    present = geoms[~shapely.is_missing(geoms)]
    if not present.size:
        return
    minx, miny, maxx, maxy = shapely.total_bounds(present)
    if not (np.isfinite([minx, miny, maxx, maxy]).all() and -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise SourceError("bad_crs", f"{spec.label}: coordinates do not land on the earth after the transform "
                          f"(bounds {minx:.3f}, {miny:.3f}, {maxx:.3f}, {maxy:.3f}); name the right CRS in the mapping "
                          f"(crs = \"...\" with force_crs = true)", spec.label)
